//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/harness"
)

// TestInstall drives `harbor-installer install` against the install world:
// the eks-minio and onprem-trident plans from the HTTP repository and from
// OCI (through the answers' chart sources and through
// HARBOR_INSTALLER_CHART_MIRROR), reruns that change nothing, stalls named
// by their blocker, SIGINT and SIGKILL mid-release, and finally a search
// for every secret value in everything the runs left behind.
func TestInstall(t *testing.T) {
	w := theInstallWorld(t)

	// First, while Velero's Schedule kind is not served yet: its chart's
	// crds/ are rendered client-side.
	t.Run("DryRunChangesNothing", func(t *testing.T) {
		file := w.writeAnswers(t, "dry", w.eksMinio("dry")+w.httpCharts())
		r := w.install(t, nil, file, "--dry-run")
		if r.code != 0 || len(r.of("release.planned")) != 3 {
			t.Fatalf("dry run: %s", r)
		}
		for _, ns := range []string{"dry-harbor", "dry-minio", "dry-velero"} {
			if _, err := w.cluster.Client.CoreV1().Namespaces().Get(context.Background(), ns, metav1.GetOptions{}); err == nil {
				t.Errorf("the dry run created namespace %s", ns)
			}
		}
		if recs, _ := helmRecords(context.Background(), w.cluster, ""); len(recs) != 0 {
			t.Errorf("the dry run left %d Helm records", len(recs))
		}
	})

	t.Run("EKSMinIOFromHTTP", func(t *testing.T) {
		opts := answers.Options{File: w.writeAnswers(t, "eks-http", w.eksMinio("eks")+w.httpCharts())}
		r := w.install(t, nil, opts.File)
		wantInstalled(t, r, "minio", "harbor", "velero")
		w.collectSecrets(t, opts)
		again := w.install(t, nil, opts.File)
		wantUnchanged(t, again, "minio", "harbor", "velero")
		t.Logf("install %s, rerun %s", r.wall.Round(time.Millisecond), again.wall.Round(time.Millisecond))
		if again.wall > 20*time.Second {
			t.Errorf("the unchanged rerun took %s", again.wall)
		}
		// Velero's cluster-wide objects leave room for the next eks-minio.
		un := w.runBinary(t, nil, nil, "uninstall", "--answers", opts.File, "--yes", "--purge")
		if un.code != 0 {
			t.Fatalf("uninstall: %s", un)
		}
	})

	// The done-when command, the charts served from the loopback
	// OCI registry by the mirror variable.
	t.Run("EKSMinIOPresetFromOCIMirror", func(t *testing.T) {
		mirror := []string{"HARBOR_INSTALLER_CHART_MIRROR=" + w.repo.OCI}
		args := []string{"install", "--preset", "eks-minio", "--set", "harbor.domain=registry.test", "--yes", "--output", "json", "--bundle-dir", w.dir}
		r := w.runBinary(t, mirror, nil, args...)
		wantInstalled(t, r, "minio", "harbor", "velero")
		if !strings.Contains(r.stderr, "HARBOR_INSTALLER_CHART_MIRROR="+w.repo.OCI) {
			t.Errorf("no notice of the mirror on stderr:\n%s", r.stderr)
		}
		for _, e := range r.of("release.started") {
			if e.Action != "install" {
				t.Errorf("release %s: %s, want a fresh install", e.Release, e.Action)
			}
		}
		w.collectSecrets(t, answers.Options{Preset: "eks-minio", Sets: []string{"harbor.domain=registry.test"}})
		again := w.runBinary(t, mirror, nil, args...)
		wantUnchanged(t, again, "minio", "harbor", "velero")
		t.Logf("install %s, rerun %s", r.wall.Round(time.Millisecond), again.wall.Round(time.Millisecond))
		st := w.runBinary(t, mirror, nil, "status", "--preset", "eks-minio", "--set", "harbor.domain=registry.test")
		if st.code != 0 || strings.Count(st.stdout, "deployed revision 1") != 3 {
			t.Errorf("status: %s", st)
		}
	})

	t.Run("OnpremTridentFromOCIMirror", func(t *testing.T) {
		w.tlsSecret(t, "op1-harbor")
		opts := answers.Options{File: w.writeAnswers(t, "op1", w.onpremTrident("op1"))}
		mirror := []string{"HARBOR_INSTALLER_CHART_MIRROR=" + w.repo.OCI}
		r := w.install(t, mirror, opts.File)
		wantInstalled(t, r, "trident-operator", "harbor")
		applied := map[string]bool{}
		for _, e := range r.of("object.applied") {
			applied[e.Object.Kind] = true
		}
		if !applied["TridentBackendConfig"] || !applied["StorageClass"] {
			t.Errorf("objects applied: %v", applied)
		}
		w.collectSecrets(t, opts)
		again := w.install(t, mirror, opts.File)
		wantUnchanged(t, again, "trident-operator", "harbor")
		t.Logf("install %s, rerun %s", r.wall.Round(time.Millisecond), again.wall.Round(time.Millisecond))
		// The TridentOrchestrator is cluster-wide: one Trident at a time.
		un := w.runBinary(t, mirror, nil, "uninstall", "--answers", opts.File, "--yes")
		if un.code != 0 {
			t.Fatalf("uninstall: %s", un)
		}
	})

	t.Run("OnpremTridentFromHTTP", func(t *testing.T) {
		w.tlsSecret(t, "op2-harbor")
		opts := answers.Options{File: w.writeAnswers(t, "op2", w.onpremTrident("op2")+w.httpCharts())}
		r := w.install(t, nil, opts.File)
		wantInstalled(t, r, "trident-operator", "harbor")
		w.collectSecrets(t, opts)
		again := w.install(t, nil, opts.File)
		wantUnchanged(t, again, "trident-operator", "harbor")
		t.Logf("install %s, rerun %s", r.wall.Round(time.Millisecond), again.wall.Round(time.Millisecond))
	})

	t.Run("Stalls", func(t *testing.T) {
		t.Run("RWXClaimOnGP3", func(t *testing.T) {
			t.Parallel()
			// A chart that asks ReadWriteMany for the registry's volume
			// whatever it is told: the EBS-like class cannot give it.
			chart := w.faultChart(t, "rwx", func(helpers, values string) (string, string) {
				return strings.Replace(helpers, "    - {{ .values.accessMode }}", "    - ReadWriteMany", 1), values
			})
			r := w.install(t, nil, w.writeAnswers(t, "rwx", w.smallHarbor("rwx", chart)), "--stall-after", "6s")
			wantStall(t, r, "PersistentVolumeClaim", "harbor-registry", "ProvisioningFailed")
		})
		t.Run("ImagePullBackOff", func(t *testing.T) {
			t.Parallel()
			// kwok is told (by the harness's fault annotation) that the
			// registry's image cannot be pulled.
			chart := w.faultChart(t, "pull", func(helpers, values string) (string, string) {
				i := strings.Index(values, "\nregistry:\n")
				j := i + strings.Index(values[i:], "  podAnnotations: {}")
				return helpers, values[:j] + fmt.Sprintf("  podAnnotations: {%s: %s}", harness.FaultKey, harness.FaultImagePull) + values[j+len("  podAnnotations: {}"):]
			})
			r := w.install(t, nil, w.writeAnswers(t, "pull", w.smallHarbor("pull", chart)), "--stall-after", "6s")
			wantStall(t, r, "Pod", "harbor-registry-", "ImagePullBackOff")
		})
	})

	t.Run("SIGINTThenRerun", func(t *testing.T) {
		file := w.writeAnswers(t, "sigint", w.minioHarbor("int"))
		r := w.runBinary(t, nil, signalInHook("minio", syscall.SIGINT), "install", "--answers", file, "--yes", "--output", "json", "--bundle-dir", w.dir)
		if r.code != 130 || len(r.of("plan.interrupted")) != 1 {
			t.Fatalf("interrupted run: %s", r)
		}
		for _, rel := range []string{"minio", "harbor"} {
			if s := w.releaseStatus(t, "int-"+rel, rel); strings.HasPrefix(s, "pending") {
				t.Errorf("release %s left %s", rel, s)
			}
		}
		again := w.install(t, nil, file)
		wantInstalled(t, again, "minio", "harbor")
		w.collectSecrets(t, answers.Options{File: file})
	})

	t.Run("SIGKILLThenRecover", func(t *testing.T) {
		file := w.writeAnswers(t, "sigkill", w.minioHarbor("kill"))
		r := w.runBinary(t, nil, signalInHook("minio", syscall.SIGKILL), "install", "--answers", file, "--yes", "--output", "json", "--bundle-dir", w.dir)
		if r.code != 128+int(syscall.SIGKILL) {
			t.Fatalf("killed run: %s", r)
		}
		if s := w.releaseStatus(t, "kill-minio", "minio"); s != "pending-install" {
			t.Fatalf("after SIGKILL inside the hook wait, minio is %q, want pending-install", s)
		}
		refused := w.install(t, nil, file)
		if refused.code != 1 || !strings.Contains(refused.stdout+refused.stderr, "--recover") || strings.Contains(refused.stderr, "helm uninstall") {
			t.Fatalf("a run without --recover: %s", refused)
		}
		for _, e := range refused.of("release.started") {
			if e.Release == "minio" {
				t.Errorf("minio started without --recover")
			}
		}
		rec := w.install(t, nil, file, "--recover")
		wantInstalled(t, rec, "minio", "harbor")
		if len(rec.of("release.recovering")) == 0 {
			t.Errorf("no release.recovering event: %s", rec)
		}
		w.collectSecrets(t, answers.Options{File: file})
	})

	t.Run("NoSecretValueAnywhere", func(t *testing.T) {
		w.searchSecrets(t)
	})
}

// wantStall checks a run failed within the stall window naming the
// blocking object (kind, name or name prefix) and its reason.
func wantStall(t *testing.T, r installRun, kind, name, reason string) {
	t.Helper()
	if r.code != 1 {
		t.Fatalf("want exit 1: %s", r)
	}
	failed := r.of("plan.failed")
	if len(failed) != 1 {
		t.Fatalf("no plan.failed: %s", r)
	}
	var named *event
	for _, e := range r.of("release.failed") {
		if e.Blocker != nil {
			named = &e
			break
		}
	}
	if named == nil {
		t.Fatalf("no release.failed names a blocker: %s", r)
	}
	b := named.Blocker
	if b.Ref.Kind != kind || !strings.HasPrefix(b.Ref.Name, name) || (b.Reason != reason && b.Phase != reason) {
		t.Errorf("blocker %s %s %s/%s, want %s %s* %s", b.Ref.Kind, b.Ref.Name, b.Phase, b.Reason, kind, name, reason)
	}
	text := failed[0].Error
	if !strings.Contains(text, b.Ref.Name) || !strings.Contains(text, reason) {
		t.Errorf("the failure does not name %s and %s: %s", b.Ref.Name, reason, text)
	}
	// The stall window (6 s) plus the release's start; never a timeout.
	if el := time.Duration(named.Elapsed) * time.Millisecond; el > 20*time.Second {
		t.Errorf("failed after %s, stall window 6s", el)
	}
	if failed[0].BundlePath == "" {
		t.Errorf("no support bundle")
	} else if st, err := os.Stat(failed[0].BundlePath); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("bundle %s: %v %v", failed[0].BundlePath, st, err)
	}
	t.Logf("failed: %s", text)
}

// signalInHook sends sig once release's hook Job exists: Helm is then
// inside its post-install hook wait (hook Jobs run 4 s once Ready) and has
// stored the revision as pending-install.
func signalInHook(release string, sig syscall.Signal) func(p *os.Process, e event) {
	sent := false
	return func(p *os.Process, e event) {
		if sent || e.Type != "object.progress" || e.Release != release || e.Object == nil || e.Object.Kind != "Job" || e.State == "pending" {
			return
		}
		sent = true
		time.AfterFunc(300*time.Millisecond, func() { _ = p.Signal(sig) })
	}
}

// smallHarbor is a one-release plan: Harbor alone on gp3 with blobs on its
// own volume, its chart from a local directory.
func (w *installWorld) smallHarbor(ns, chartDir string) string {
	return fmt.Sprintf(`version: 1
cluster:
  kubeconfig: %s
harbor:
  namespace: %[2]s-harbor
  domain: %[2]s.test
  replicas: 1
tls:
  mode: none
ingress:
  className: nginx
  controller: nginx
storage:
  provider: ebs
  storageClass: gp3
minio:
  enabled: false
charts:
  harbor: {source: %[3]s, name: harbor, version: 1.19.1}
`, w.cluster.Kubeconfig, ns, chartDir)
}

// minioHarbor is MinIO and Harbor side by side from the HTTP repository,
// MinIO's post-install hook Job running 4 s. One pool of 4 drives: the
// field checks refuse pools of 2, which lose write quorum on any drain.
func (w *installWorld) minioHarbor(ns string) string {
	return fmt.Sprintf(`version: 1
cluster:
  kubeconfig: %s
harbor:
  namespace: %[2]s-harbor
  domain: %[2]s.test
  replicas: 1
tls:
  mode: none
ingress:
  className: nginx
  controller: nginx
storage:
  provider: ebs
  storageClass: gp3
minio:
  enabled: true
  namespace: %[2]s-minio
  zones: 1
  nodesPerZone: 4
  drivesPerNode: 1
  volumeSize: 10Gi
`, w.cluster.Kubeconfig, ns) + w.httpCharts()
}

// faultChart copies the test Harbor chart and edits its helpers template
// and values.yaml.
func (w *installWorld) faultChart(t *testing.T, name string, edit func(helpers, values string) (string, string)) string {
	t.Helper()
	src, err := harness.TestChartsDir()
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(w.dir, "chart-"+name)
	if err := os.CopyFS(dst, os.DirFS(filepath.Join(src, "harbor"))); err != nil {
		t.Fatal(err)
	}
	hp, vp := filepath.Join(dst, "templates", "_helpers.tpl"), filepath.Join(dst, "values.yaml")
	h, err := os.ReadFile(hp)
	if err != nil {
		t.Fatal(err)
	}
	v, err := os.ReadFile(vp)
	if err != nil {
		t.Fatal(err)
	}
	nh, nv := edit(string(h), string(v))
	if nh == string(h) && nv == string(v) {
		t.Fatal("the fault edit changed nothing")
	}
	if err := os.WriteFile(hp, []byte(nh), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(vp, []byte(nv), 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// releaseStatus reads a release's latest status from Helm's storage.
func (w *installWorld) releaseStatus(t *testing.T, namespace, name string) string {
	t.Helper()
	recs, err := helmRecords(context.Background(), w.cluster, namespace)
	if err != nil {
		t.Fatal(err)
	}
	best, status := 0, "missing"
	for _, r := range recs {
		if r.Name == name && r.Version > best {
			best, status = r.Version, r.Info.Status
		}
	}
	return status
}
