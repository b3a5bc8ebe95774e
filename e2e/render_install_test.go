//go:build e2e

package e2e

import (
	"context"
	"testing"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/harness"
	"github.com/harbor-installer/harbor-installer/render"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestHarborKeepsInstallerSecrets installs Harbor as render.Build renders
// the dev preset on ReadWriteOnce volumes (the test chart stands in for
// 1.19.1 at the same value paths) through the engine, which creates the
// plan's Secrets first: the chart adopts the internal database Secret and
// keeps its generated password (never changeit), core reads the pinned
// token key pair, and the registry and jobservice are recreated, not
// rolled, on their ReadWriteOnce volumes.
func TestHarborKeepsInstallerSecrets(t *testing.T) {
	c := harness.NewTestCluster(t, harness.ClusterOptions{})
	repo := harness.NewTestChartRepo(t, "")
	ctx := context.Background()
	l, err := answers.Load(answers.Options{Preset: "dev", Sets: []string{
		"harbor.domain=registry.example.org", "storage.storageClass=" + harness.StorageClassGP3,
		"charts.harbor.source=" + repo.URL,
	}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := render.Build(&l.Answers)
	if err != nil {
		t.Fatal(err)
	}
	plan := onlyRelease(t, p, l.Answers.Harbor.ReleaseName)
	r := &plan.Releases[0]
	ns := r.Namespace
	var dbSecret *render.Secret
	for i := range plan.Secrets {
		if plan.Secrets[i].AdoptedBy == r.Name {
			dbSecret = &plan.Secrets[i]
		}
	}
	if dbSecret == nil {
		t.Fatal("no Secret for the chart to adopt")
	}
	engineInstall(t, c, plan)

	// The engine made the Secret with Helm's ownership marks; the chart
	// adopted it and kept the generated password.
	got, err := c.Client.CoreV1().Secrets(ns).Get(ctx, dbSecret.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Annotations["meta.helm.sh/release-name"] != r.Name || got.Labels["app.kubernetes.io/managed-by"] != "Helm" {
		t.Errorf("%s is not Helm's: labels %v annotations %v", dbSecret.Name, got.Labels, got.Annotations)
	}
	want := string(got.Data["POSTGRES_PASSWORD"])
	if want == "changeit" || len(want) < 16 {
		t.Errorf("after install %s holds the chart's default or a short password (changeit: %v, %d chars)", dbSecret.Name, want == "changeit", len(want))
	}
	core, err := c.Client.CoreV1().Secrets(ns).Get(ctx, "harbor-core", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if string(core.Data["POSTGRESQL_PASSWORD"]) != want {
		t.Error("core does not get the generated database password")
	}
	dep, err := c.Client.AppsV1().Deployments(ns).Get(ctx, "harbor-core", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	token := false
	for _, v := range dep.Spec.Template.Spec.Volumes {
		token = token || v.Secret != nil && v.Secret.SecretName == "harbor-core-token"
	}
	if !token {
		t.Errorf("core does not mount the pinned token key pair: %+v", dep.Spec.Template.Spec.Volumes)
	}
	for _, d := range []string{"harbor-registry", "harbor-jobservice"} {
		dep, err := c.Client.AppsV1().Deployments(ns).Get(ctx, d, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if dep.Spec.Strategy.Type != "Recreate" {
			t.Errorf("%s strategy %s, want Recreate on ReadWriteOnce volumes", d, dep.Spec.Strategy.Type)
		}
	}
}
