//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/harbor-installer/harbor-installer/harness"
	"github.com/harbor-installer/harbor-installer/kube"
	"github.com/harbor-installer/harbor-installer/kube/model"
)

// TestKubeBackend runs kube.Backend, the engine's Helm and Kubernetes side,
// against the simulated cluster and the loopback chart repository.
func TestKubeBackend(t *testing.T) {
	// Hook Jobs run 6 s once Ready, so an interruption can land inside
	// Helm's post-install hook wait.
	c := harness.NewTestCluster(t, harness.ClusterOptions{JobDuration: 6 * time.Second})
	repo := harness.NewTestChartRepo(t, "")
	helmEnv(t)
	client, err := kube.NewForConfig(c.Config, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	b, err := kube.NewBackend(client, kube.BackendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	t.Run("InstallWatchUpgrade", func(t *testing.T) {
		spec := minioSpec("minio", repo.URL)
		var started *model.ReleaseResult
		watched := make(chan error, 1)
		spec.OnStart = func(r model.ReleaseResult) {
			started = &r
			// Watch while Helm still runs the post-install hook, which
			// itself waits for MinIO.
			go func() { watched <- watchReady(ctx, t, b, r, time.Minute) }()
		}
		res, err := b.Apply(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		if started == nil || started.Revision != 1 {
			t.Fatalf("OnStart not called with revision 1: %+v", started)
		}
		if err := <-watched; err != nil {
			t.Fatal(err)
		}
		if res.Revision != 1 || !hasRef(res.Objects, "StatefulSet", "minio") || !hasRef(res.Hooks, "Job", "minio-post-job") {
			t.Errorf("result revision %d objects %v hooks %v", res.Revision, res.Objects, res.Hooks)
		}
		st, err := b.State(ctx, "minio", "minio")
		if err != nil {
			t.Fatal(err)
		}
		if st.Status != model.ReleaseDeployed || st.Revision != 1 || st.LastDeployed != 1 || st.ChartVersion != "5.4.0" ||
			!model.SameValues(st.Values, spec.Values) {
			t.Errorf("state after install: %+v", st)
		}

		spec.Upgrade = true
		spec.OnStart = nil
		spec.Values["replicas"] = 4
		res, err = b.Apply(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		st, _ = b.State(ctx, "minio", "minio")
		if res.Revision != 2 || st.Status != model.ReleaseDeployed || st.Revision != 2 || st.LastDeployed != 2 {
			t.Errorf("after upgrade: result revision %d, state %+v", res.Revision, st)
		}
		list, err := b.ListReleases(ctx, []string{"minio"})
		if err != nil || len(list) != 1 || len(list[0].Workloads) == 0 {
			t.Fatalf("ListReleases: %+v %v", list, err)
		}
		for _, w := range list[0].Workloads {
			if w.State != model.Ready || w.Ready != w.Desired {
				t.Errorf("workload %s: %s %d/%d", w.Ref, w.State, w.Ready, w.Desired)
			}
		}

		dry := spec
		dry.DryRun = true
		dr, err := b.Apply(ctx, dry)
		if err != nil || !strings.Contains(dr.Manifest, "kind: StatefulSet") {
			t.Errorf("dry run: %v (manifest %d bytes)", err, len(dr.Manifest))
		}
		if st, _ := b.State(ctx, "minio", "minio"); st.Revision != 2 {
			t.Errorf("a dry run made revision %d", st.Revision)
		}
	})

	t.Run("TridentFromOCIWithFieldMatch", func(t *testing.T) {
		// A dry run before the chart's CRDs exist still renders.
		dry, err := b.Apply(ctx, model.ReleaseSpec{Name: "trident", Namespace: "trident", DryRun: true,
			Chart: model.ChartSource{Ref: repo.OCIRef("trident-operator"), Version: "100.2606.0", PlainHTTP: true}})
		if err != nil || !hasRef(dry.Objects, "TridentOrchestrator", "trident") {
			t.Fatalf("dry run without the CRDs: %v", err)
		}
		if st, _ := b.State(ctx, "trident", "trident"); st.Status != model.ReleaseMissing {
			t.Fatalf("a dry run stored %+v", st)
		}
		if err := c.StartOperators(ctx, harness.OperatorOptions{Trident: true, Delay: time.Second}); err != nil {
			t.Fatal(err)
		}
		res, err := b.Apply(ctx, model.ReleaseSpec{Name: "trident", Namespace: "trident", Timeout: time.Minute,
			Chart: model.ChartSource{Ref: repo.OCIRef("trident-operator"), Version: "100.2606.0", PlainHTTP: true}})
		if err != nil {
			t.Fatal(err)
		}
		if !hasRef(res.Objects, "TridentOrchestrator", "trident") {
			t.Fatalf("objects %v lack the TridentOrchestrator", res.Objects)
		}
		for _, o := range res.Objects {
			if o.Kind == "TridentOrchestrator" && o.Namespace != "" {
				t.Errorf("cluster-scoped TridentOrchestrator given namespace %q", o.Namespace)
			}
		}
		target := model.WatchTarget{Ref: model.ObjectRef{APIVersion: "trident.netapp.io/v1", Kind: "TridentOrchestrator", Name: "trident"},
			Ready: []model.FieldMatch{{Path: ".status.status", Value: "Installed"}}}
		if err := waitTargets(ctx, b, []model.WatchTarget{target}, time.Minute); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("WatchKindBeforeItsCRD", func(t *testing.T) {
		// The BackupStorageLocation kind does not exist until the velero
		// release installs its CRDs: the watch must pick it up then.
		if err := c.StartOperators(ctx, harness.OperatorOptions{Velero: true, SkipCRDs: true, Delay: time.Second}); err != nil {
			t.Fatal(err)
		}
		target := model.WatchTarget{Ref: model.ObjectRef{APIVersion: "velero.io/v1", Kind: "BackupStorageLocation", Namespace: "velero", Name: "default"},
			Ready: []model.FieldMatch{{Path: ".status.phase", Value: "Available"}}}
		watched := make(chan error, 1)
		go func() { watched <- waitTargets(ctx, b, []model.WatchTarget{target}, 2*time.Minute) }()
		values := map[string]any{
			"credentials":      map[string]any{"secretContents": map[string]any{"cloud": "[default]\naws_access_key_id=a\naws_secret_access_key=b\n"}},
			"snapshotsEnabled": false,
			"configuration": map[string]any{"backupStorageLocation": []any{map[string]any{
				"name": "default", "provider": "aws", "bucket": "velero", "default": true,
				"config": map[string]any{"region": "minio", "s3ForcePathStyle": "true", "s3Url": "http://minio.minio.svc:9000"},
			}}},
		}
		time.Sleep(time.Second) // the watch is up and waiting for the kind
		if _, err := b.Apply(ctx, model.ReleaseSpec{Name: "velero", Namespace: "velero", Timeout: time.Minute, Values: values,
			Chart: model.ChartSource{Ref: "velero", RepoURL: repo.URL, Version: "12.1.0"}}); err != nil {
			t.Fatal(err)
		}
		if err := <-watched; err != nil {
			t.Fatal(err)
		}
	})

	t.Run("CancelMidApplyLeavesNoPending", func(t *testing.T) {
		spec := minioSpec("cancelled", repo.URL)
		actx, cancel := context.WithCancel(ctx)
		defer cancel()
		var cancelledAt time.Time
		spec.OnStart = func(model.ReleaseResult) {
			// Interrupt inside the post-install hook wait.
			time.AfterFunc(3*time.Second, func() { cancelledAt = time.Now(); cancel() })
		}
		_, err := b.Apply(actx, spec)
		if err == nil {
			t.Fatal("interrupted Apply succeeded")
		}
		t.Logf("interrupted Apply: %v", err)
		if wait := time.Since(cancelledAt); cancelledAt.IsZero() || wait > 5*time.Second {
			t.Errorf("Apply returned %s after the cancel (err %v)", wait, err)
		}
		st, err := b.State(ctx, "cancelled", "minio")
		if err != nil {
			t.Fatal(err)
		}
		if st.Status != model.ReleaseFailed || st.Revision != 1 {
			t.Fatalf("after an interrupted install: %+v, want failed revision 1", st)
		}
		// Nothing Helm left behind keeps it pending later.
		time.Sleep(8 * time.Second)
		if st, _ := b.State(ctx, "cancelled", "minio"); st.Status.Pending() {
			t.Fatalf("release became %s after Apply returned", st.Status)
		}
		spec.OnStart, spec.Upgrade = nil, true
		res, err := b.Apply(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		if st, _ := b.State(ctx, "cancelled", "minio"); st.Status != model.ReleaseDeployed || res.Revision != 2 {
			t.Errorf("rerun after interrupt: %+v", st)
		}
	})

	t.Run("RecoverPending", func(t *testing.T) {
		chartDir := configMapChart(t)
		spec := model.ReleaseSpec{Name: "small", Namespace: "recover", Chart: model.ChartSource{Ref: chartDir}, Timeout: time.Minute}
		if _, err := b.Apply(ctx, spec); err != nil {
			t.Fatal(err)
		}
		store := storage.Init(driver.NewSecrets(c.Client.CoreV1().Secrets("recover")))
		// A killed upgrade: revision 2 stays pending-upgrade.
		rel, err := store.Get("small", 1)
		if err != nil {
			t.Fatal(err)
		}
		rel.Version, rel.Info.Status = 2, release.StatusPendingUpgrade
		if err := store.Create(rel); err != nil {
			t.Fatal(err)
		}
		if err := b.Recover(ctx, "recover", "small"); err != nil {
			t.Fatal(err)
		}
		st, _ := b.State(ctx, "recover", "small")
		if st.Status != model.ReleaseDeployed || st.Revision != 3 || st.LastDeployed != 3 {
			t.Errorf("after recovering a pending upgrade: %+v, want deployed revision 3", st)
		}
		if r2, _ := store.Get("small", 2); r2 == nil || r2.Info.Status != release.StatusFailed {
			t.Errorf("revision 2 not marked failed: %+v", r2)
		}

		// A killed first install: it never deployed, so it is uninstalled.
		never := *rel
		never.Name, never.Version, never.Info = "never", 1, &release.Info{Status: release.StatusPendingInstall}
		never.Manifest = strings.ReplaceAll(rel.Manifest, "small-", "never-")
		if err := store.Create(&never); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Client.CoreV1().ConfigMaps("recover").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "never-config"}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := b.Recover(ctx, "recover", "never"); err != nil {
			t.Fatal(err)
		}
		if st, _ := b.State(ctx, "recover", "never"); st.Status != model.ReleaseMissing {
			t.Errorf("never-deployed release after Recover: %+v", st)
		}
		if _, err := c.Client.CoreV1().ConfigMaps("recover").Get(ctx, "never-config", metav1.GetOptions{}); err == nil {
			t.Error("the never-deployed release's ConfigMap survived Recover")
		}
		// Recover leaves a healthy release alone.
		if err := b.Recover(ctx, "recover", "small"); err != nil {
			t.Error(err)
		}
		if st, _ := b.State(ctx, "recover", "small"); st.Revision != 3 {
			t.Errorf("Recover of a deployed release made revision %d", st.Revision)
		}
	})

	t.Run("UninstallKeepsPVCs", func(t *testing.T) {
		if err := b.Uninstall(ctx, "minio", "minio"); err != nil {
			t.Fatal(err)
		}
		if st, _ := b.State(ctx, "minio", "minio"); st.Status != model.ReleaseMissing {
			t.Errorf("after uninstall: %+v", st)
		}
		pvcs, err := c.Client.CoreV1().PersistentVolumeClaims("minio").List(ctx, metav1.ListOptions{})
		if err != nil || len(pvcs.Items) == 0 {
			t.Errorf("PVCs after uninstall: %d %v", len(pvcs.Items), err)
		}
		// A PVC in the chart's own manifest is kept too; its ConfigMap goes.
		if err := b.Uninstall(ctx, "recover", "small"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Client.CoreV1().PersistentVolumeClaims("recover").Get(ctx, "small-data", metav1.GetOptions{}); err != nil {
			t.Errorf("the chart's PVC after uninstall: %v", err)
		}
		if _, err := c.Client.CoreV1().ConfigMaps("recover").Get(ctx, "small-config", metav1.GetOptions{}); err == nil {
			t.Error("the chart's ConfigMap survived uninstall")
		}
		if err := b.Uninstall(ctx, "recover", "small"); err != nil {
			t.Errorf("uninstalling a missing release: %v", err)
		}
	})

	t.Run("BlockerRWXOnGP3", func(t *testing.T) {
		ns := makeNamespace(t, c, "kube-rwx")
		makeClaimAndPod(t, c, ns, "shared", harness.StorageClassGP3, corev1.ReadWriteMany)
		targets := []model.WatchTarget{{Ref: model.ObjectRef{APIVersion: "v1", Kind: "Pod", Namespace: ns, Name: "shared"}}}
		bl := waitBlocker(ctx, t, b, targets, func(bl *model.Blocker) bool { return bl.Reason == "ProvisioningFailed" })
		if bl.Ref.Kind != "PersistentVolumeClaim" || bl.Ref.Name != "shared" || bl.Phase != "Pending" {
			t.Errorf("blocker %s", bl)
		}
		t.Logf("blocker: %s", bl)
	})

	t.Run("BlockerImagePullAndCrashLoop", func(t *testing.T) {
		ns := makeNamespace(t, c, "kube-faults")
		makeDeployment(t, c, ns, "puller", map[string]string{harness.FaultKey: harness.FaultImagePull})
		makeDeployment(t, c, ns, "crasher", map[string]string{harness.FaultKey: harness.FaultCrashLoop})
		target := func(name string) []model.WatchTarget {
			return []model.WatchTarget{{Ref: model.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: ns, Name: name}}}
		}
		bl := waitBlocker(ctx, t, b, target("puller"), func(bl *model.Blocker) bool { return bl.Phase == "ImagePullBackOff" })
		if bl.Ref.Kind != "Pod" || !strings.HasPrefix(bl.Ref.Name, "puller-") {
			t.Errorf("blocker %s", bl)
		}
		t.Logf("blocker: %s", bl)
		bl = waitBlocker(ctx, t, b, target("crasher"), func(bl *model.Blocker) bool { return bl.Phase == "CrashLoopBackOff" })
		if !strings.HasPrefix(bl.Ref.Name, "crasher-") {
			t.Errorf("blocker %s", bl)
		}
		t.Logf("blocker: %s (kwok has no logs: %d lines)", bl, len(bl.LogTail))
		ev, err := b.Evidence(ctx, ns)
		if err != nil {
			t.Fatal(err)
		}
		pods := strings.Join(ev.Pods, "\n")
		if !strings.Contains(pods, "ImagePullBackOff") || !strings.Contains(pods, "CrashLoopBackOff") {
			t.Errorf("evidence pods:\n%s", pods)
		}
	})

	t.Run("SecretsAndObjects", func(t *testing.T) {
		if created, err := b.EnsureNamespace(ctx, "objects"); err != nil || !created {
			t.Fatalf("EnsureNamespace: %v %v", created, err)
		}
		err := b.ApplySecret(ctx, model.SecretSpec{Namespace: "objects", Name: "s", Data: map[string][]byte{"k": []byte("v")}})
		if err != nil {
			t.Fatal(err)
		}
		s, found, err := b.GetSecret(ctx, "objects", "s")
		if err != nil || !found || s.Labels[kube.ManagedByLabel] != kube.ManagedByValue || string(s.Data["k"]) != "v" {
			t.Errorf("secret %+v found %v err %v", s, found, err)
		}
		// The TridentBackendConfig kind exists since the trident release.
		obj := map[string]any{"apiVersion": "trident.netapp.io/v1", "kind": "TridentBackendConfig",
			"metadata": map[string]any{"name": "backend-ontap-nas", "namespace": "trident"},
			"spec": map[string]any{"version": 1, "storageDriverName": "ontap-nas", "backendName": "ontap-nas",
				"managementLIF": "127.0.0.1", "svm": "svm0", "credentials": map[string]any{"name": "ontap-credentials"}}}
		if err := b.ApplyObject(ctx, obj, true); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Dynamic.Resource(harness.TridentBackendConfigGVR).Namespace("trident").Get(ctx, "backend-ontap-nas", metav1.GetOptions{}); err == nil {
			t.Error("a dry-run apply created the object")
		}
		if err := b.ApplyObject(ctx, obj, false); err != nil {
			t.Fatal(err)
		}
		target := model.WatchTarget{Ref: model.ObjectRef{APIVersion: "trident.netapp.io/v1", Kind: "TridentBackendConfig", Namespace: "trident", Name: "backend-ontap-nas"},
			Ready: []model.FieldMatch{{Path: ".status.phase", Value: "Bound"}}}
		if err := waitTargets(ctx, b, []model.WatchTarget{target}, time.Minute); err != nil {
			t.Fatal(err)
		}
	})
}

// helmEnv points Helm's cache and config at a private directory, as a user
// would with HELM_CACHE_HOME and friends.
func helmEnv(t *testing.T) {
	d := t.TempDir()
	t.Setenv("HELM_CACHE_HOME", filepath.Join(d, "cache"))
	t.Setenv("HELM_CONFIG_HOME", filepath.Join(d, "config"))
	t.Setenv("HELM_DATA_HOME", filepath.Join(d, "data"))
	t.Setenv("HELM_REPOSITORY_CONFIG", filepath.Join(d, "config", "repositories.yaml"))
	t.Setenv("HELM_REGISTRY_CONFIG", filepath.Join(d, "config", "registry.json"))
}

func minioSpec(namespace, repoURL string) model.ReleaseSpec {
	return model.ReleaseSpec{Name: "minio", Namespace: namespace, Timeout: 2 * time.Minute,
		Chart: model.ChartSource{Ref: "minio", RepoURL: repoURL, Version: "5.4.0"},
		Values: map[string]any{
			"replicas": 4, "rootUser": "admin", "rootPassword": "admin-password-for-tests",
			"persistence": map[string]any{"storageClass": harness.StorageClassOntapNAS, "size": "10Gi"},
			"resources":   map[string]any{"requests": map[string]any{"memory": "1Gi"}},
			"buckets":     []any{map[string]any{"name": "harbor", "policy": "none"}},
		}}
}

// configMapChart writes a one-ConfigMap chart and returns its directory.
func configMapChart(t *testing.T) string {
	d := filepath.Join(t.TempDir(), "small")
	if err := os.MkdirAll(filepath.Join(d, "templates"), 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"Chart.yaml":         "apiVersion: v2\nname: small\nversion: 0.1.0\n",
		"templates/cm.yaml":  "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-config\ndata:\n  a: b\n",
		"templates/pvc.yaml": "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: {{ .Release.Name }}-data\nspec:\n  accessModes: [ReadWriteOnce]\n  storageClassName: ontap-nas\n  resources:\n    requests:\n      storage: 1Gi\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(d, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

func hasRef(refs []model.ObjectRef, kind, name string) bool {
	for _, r := range refs {
		if r.Kind == kind && r.Name == name {
			return true
		}
	}
	return false
}

// watchReady watches a release's workloads and hook until all are ready
// (the hook: complete or gone).
func watchReady(ctx context.Context, t *testing.T, b *kube.Backend, r model.ReleaseResult, timeout time.Duration) error {
	var targets []model.WatchTarget
	for _, o := range r.Objects {
		switch o.Kind {
		case "StatefulSet", "Deployment", "PersistentVolumeClaim", "Service":
			targets = append(targets, model.WatchTarget{Ref: o})
		}
	}
	for _, h := range r.Hooks {
		targets = append(targets, model.WatchTarget{Ref: h, Hook: true})
	}
	return waitTargets(ctx, b, targets, timeout)
}

// waitTargets runs Watch until every target is ready (or gone).
func waitTargets(ctx context.Context, b *kube.Backend, targets []model.WatchTarget, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var mu sync.Mutex
	state := map[model.ObjectRef]model.ObjectStatus{}
	first := 0
	var order error
	err := b.Watch(ctx, targets, func(s model.ObjectStatus) {
		mu.Lock()
		defer mu.Unlock()
		if first < len(targets) && s.Ref != targets[first].Ref && order == nil {
			order = fmt.Errorf("first updates out of order: %s before %s", s.Ref, targets[first].Ref)
		}
		first++
		state[s.Ref] = s
		for _, t := range targets {
			st := state[t.Ref].State
			if st != model.Ready && st != model.Gone {
				return
			}
		}
		cancel()
	})
	if err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	if order != nil {
		return order
	}
	for _, t := range targets {
		if st := state[t.Ref]; st.State != model.Ready && st.State != model.Gone {
			return &notReady{st}
		}
	}
	return nil
}

type notReady struct{ s model.ObjectStatus }

func (e *notReady) Error() string {
	return e.s.Ref.String() + " not ready: " + string(e.s.State) + " " + e.s.Message
}

func waitBlocker(ctx context.Context, t *testing.T, b *kube.Backend, targets []model.WatchTarget, ok func(*model.Blocker) bool) *model.Blocker {
	t.Helper()
	var got *model.Blocker
	err := harness.WaitFor(ctx, time.Minute, "blocker", func(ctx context.Context) (bool, error) {
		bl, err := b.Blocker(ctx, targets)
		got = bl
		return err == nil && bl != nil && ok(bl), err
	})
	if err != nil {
		t.Fatalf("%v (last blocker %v)", err, got)
	}
	return got
}
