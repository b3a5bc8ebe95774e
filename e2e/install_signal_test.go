//go:build e2e

package e2e

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/harbor-installer/harbor-installer/harness"
	"github.com/harbor-installer/harbor-installer/install"
)

// TestInstallCommandSignals: SIGINT mid-release exits 130 leaving nothing
// pending and a rerun completes; SIGKILL inside Helm's hook wait leaves the
// release pending, a rerun names --recover, and --recover completes.
func TestInstallCommandSignals(t *testing.T) {
	// Hook Jobs run 6 s, so a signal can land inside Helm's hook wait.
	c := harness.NewTestCluster(t, harness.ClusterOptions{JobDuration: 6 * time.Second})
	repo := harness.NewTestChartRepo(t, "")
	helmEnv(t)
	file := filepath.Join(t.TempDir(), "answers.yaml")
	if err := os.WriteFile(file, []byte(`version: 1
preset: eks-minio
cluster:
  kubeconfig: `+c.Kubeconfig+`
harbor:
  domain: registry.test
backup:
  enabled: false
charts:
  harbor: {source: `+repo.URL+`}
  minio: {source: `+repo.URL+`, name: minio, version: 5.4.0}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	// signalAt starts an install and sends sig once an event matches.
	signalAt := func(sig syscall.Signal, match func(install.Event) bool, extra ...string) (int, string) {
		t.Helper()
		cmd := exec.Command(binary(t), append([]string{"install", "--answers", file, "--yes", "--output", "json"}, extra...)...)
		cmd.Env = os.Environ()
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sent := false
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var lines []string
		for sc.Scan() {
			lines = append(lines, sc.Text())
			var e install.Event
			if json.Unmarshal(sc.Bytes(), &e) == nil && !sent && match(e) {
				cmd.Process.Signal(sig)
				sent = true
			}
		}
		cmd.Wait()
		if !sent {
			t.Fatalf("no event matched; stdout:\n%s\nstderr:\n%s", strings.Join(lines, "\n"), stderr.String())
		}
		return cmd.ProcessState.ExitCode(), strings.Join(lines, "\n") + "\n" + stderr.String()
	}
	hookRunning := func(e install.Event) bool {
		return e.Type == install.ObjectProgress && e.Object != nil && e.Object.Name == "minio-post-job" && e.State == "in-progress"
	}

	code, out := signalAt(syscall.SIGINT, hookRunning)
	if code != 130 || !strings.Contains(out, `"type":"plan.interrupted"`) || !strings.Contains(out, "resumeCommand") {
		t.Fatalf("SIGINT: exit %d\n%s", code, out)
	}
	r := run(t, nil, "install", "--answers", file, "--yes", "--output", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"type":"plan.done"`) {
		t.Fatalf("rerun after SIGINT: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	// Change minio so it upgrades, and kill -9 inside the upgrade's hook.
	os.WriteFile(file, append(engineReadFile(t, file), []byte("minio:\n  memoryRequest: 3Gi\n")...), 0o600)
	code, out = signalAt(syscall.SIGKILL, hookRunning)
	if code != -1 {
		t.Fatalf("SIGKILL: exit %d\n%s", code, out)
	}
	r = run(t, nil, "install", "--answers", file, "--yes")
	if r.code != 1 || !strings.Contains(r.stdout+r.stderr, "--recover") {
		t.Fatalf("rerun after SIGKILL without --recover: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, nil, "install", "--answers", file, "--yes", "--recover", "--output", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"type":"release.recovering"`) || !strings.Contains(r.stdout, `"type":"plan.done"`) {
		t.Fatalf("--recover: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

func engineReadFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
