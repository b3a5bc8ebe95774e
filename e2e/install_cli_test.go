//go:build e2e

package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/harbor-installer/harbor-installer/harness"
	"github.com/harbor-installer/harbor-installer/install"
	"github.com/harbor-installer/harbor-installer/steps"
	"github.com/harbor-installer/harbor-installer/verify"
)

// TestInstallCommandEKSMinio drives the real binary: install --yes --output
// json installs the eks-minio plan on the simulated cluster (every line an
// event: plan.done, then a verify.finding warning that the simulated
// cluster cannot be verified), and a second run reports all unchanged.
func TestInstallCommandEKSMinio(t *testing.T) {
	c := harness.NewTestCluster(t, harness.ClusterOptions{})
	repo := harness.NewTestChartRepo(t, "")
	helmEnv(t)
	if err := c.StartOperators(c.Context(), harness.OperatorOptions{Velero: true, Delay: time.Second, SkipCRDs: true}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "answers.yaml")
	if err := os.WriteFile(file, []byte(`version: 1
preset: eks-minio
cluster:
  kubeconfig: `+c.Kubeconfig+`
harbor:
  domain: registry.test
charts:
  harbor: {source: `+repo.URL+`}
  minio: {source: `+repo.URL+`, name: minio, version: 5.4.0}
  velero: {source: `+repo.URL+`}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	events := func(stdout string) []install.Event {
		var out []install.Event
		for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
			var e install.Event
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				t.Fatalf("stdout line is not an event: %q", line)
			}
			out = append(out, e)
		}
		return out
	}
	r := run(t, nil, "install", "--answers", file, "--yes", "--output", "json", "--stall-after", "45s")
	if r.code != 0 {
		t.Fatalf("install exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	evs := events(r.stdout)
	// plan.done, then the proof: on this simulated cluster one warning
	// that Harbor was not verified end to end (and exit 0).
	if len(evs) < 2 {
		t.Fatalf("%d events", len(evs))
	}
	done, last := evs[len(evs)-2], evs[len(evs)-1]
	if done.Type != install.PlanDone || done.Summary == nil || !strings.Contains(done.Summary.AdminPasswordCommand, "kubectl -n harbor get secret") {
		t.Fatalf("event before the proof %+v", done)
	}
	if last.Type != install.VerifyFinding || last.Finding == nil || last.Finding.Level != steps.Warn || last.Finding.Seen != verify.NotVerifiedSimulated {
		t.Fatalf("last event %+v, want the not-verified warning", last)
	}
	r = run(t, nil, "install", "--answers", file, "--yes", "--output", "json")
	if r.code != 0 {
		t.Fatalf("second install exit %d\n%s", r.code, r.stderr)
	}
	unchanged := 0
	for _, e := range events(r.stdout) {
		if e.Type == install.ReleaseUnchanged {
			unchanged++
		}
	}
	if unchanged != 3 {
		t.Errorf("second run: %d releases unchanged, want 3", unchanged)
	}
	r = run(t, nil, "status", "--answers", file)
	if r.code != 0 || !strings.Contains(r.stdout, "harbor (namespace harbor): deployed revision 1") {
		t.Errorf("status exit %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, nil, "diff", "--answers", file)
	if r.code != 0 || !strings.Contains(r.stdout, "harbor: unchanged") || strings.Contains(r.stdout, "would") {
		t.Errorf("diff exit %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, nil, "uninstall", "--answers", file, "--yes")
	if r.code != 0 || !strings.Contains(r.stdout, "velero: uninstalled") {
		t.Errorf("uninstall exit %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}
