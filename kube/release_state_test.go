package kube

import (
	"context"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/release"
	helmtime "helm.sh/helm/v3/pkg/time"

	"github.com/harbor-installer/harbor-installer/kube/model"
)

func storeRelease(t *testing.T, b *Backend, name string, version int, status release.Status, values map[string]any) {
	t.Helper()
	rel := &release.Release{
		Name: name, Namespace: "minio", Version: version, Config: values,
		Chart:    &chart.Chart{Metadata: &chart.Metadata{Name: "minio", Version: "5.4.0", AppVersion: "2024"}},
		Info:     &release.Info{Status: status, LastDeployed: helmtime.Now()},
		Manifest: "---\n# Source: minio/templates/statefulset.yaml\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: minio\n",
	}
	if err := b.storageFor("minio").Create(rel); err != nil {
		t.Fatal(err)
	}
}

func TestStateAndSettle(t *testing.T) {
	b, _, _ := fakeBackend(t, nil)
	ctx := context.Background()
	st, err := b.State(ctx, "minio", "minio")
	if err != nil || st.Status != model.ReleaseMissing || st.Revision != 0 {
		t.Fatalf("missing release: %+v %v", st, err)
	}

	storeRelease(t, b, "minio", 1, release.StatusSuperseded, map[string]any{"replicas": 4})
	storeRelease(t, b, "minio", 2, release.StatusDeployed, map[string]any{"replicas": 4})
	storeRelease(t, b, "minio", 3, release.StatusPendingUpgrade, map[string]any{"replicas": 6})
	st, err = b.State(ctx, "minio", "minio")
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != model.ReleasePendingUpgrade || st.Revision != 3 || st.LastDeployed != 2 ||
		st.Chart != "minio" || st.ChartVersion != "5.4.0" || !model.SameValues(st.Values, map[string]any{"replicas": 6}) {
		t.Errorf("state %+v", st)
	}

	got, err := settle(b.storageFor("minio"), "minio", "interrupted")
	if err != nil || got != release.StatusFailed {
		t.Fatalf("settle: %s %v", got, err)
	}
	st, _ = b.State(ctx, "minio", "minio")
	if st.Status != model.ReleaseFailed || st.Revision != 3 {
		t.Errorf("after settle: %+v", st)
	}
	// A settled release is left alone.
	if got, err := settle(b.storageFor("minio"), "minio", "again"); err != nil || got != release.StatusFailed {
		t.Errorf("second settle: %s %v", got, err)
	}

	d, err := b.DeployedRelease(ctx, "minio", "minio")
	if err != nil || d == nil || d.Revision != 2 || len(d.Objects) != 1 || d.Objects[0].Namespace != "minio" {
		t.Errorf("DeployedRelease: %+v %v", d, err)
	}
	list, err := b.ListReleases(ctx, []string{"minio", "empty"})
	if err != nil || len(list) != 1 || list[0].Revision != 3 || list[0].LastDeployed != 2 || len(list[0].Workloads) != 1 {
		t.Errorf("ListReleases: %+v %v", list, err)
	} else if w := list[0].Workloads[0]; w.State != model.Pending || w.Ref.Name != "minio" {
		t.Errorf("workload of a missing StatefulSet: %+v", w)
	}
}

func TestHelmActionsNeedRESTConfig(t *testing.T) {
	b, _, _ := fakeBackend(t, nil)
	_, err := b.Apply(context.Background(), model.ReleaseSpec{Name: "x", Namespace: "y", Chart: model.ChartSource{Ref: "../testcharts/minio"}})
	if err == nil {
		t.Fatal("Apply on fakes succeeded")
	}
}
