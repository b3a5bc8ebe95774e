// Package e2e drives the real harbor-installer binary and, with the e2e
// build tag, runs it against the local test world (package harness).
package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds harbor-installer once per test process, or uses the one
// named by HARBOR_INSTALLER_E2E_BINARY: hack/gotest.sh builds it with the
// test builds' flags, so the Go build cache compiles its packages once.
func binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		if prebuilt := os.Getenv("HARBOR_INSTALLER_E2E_BINARY"); prebuilt != "" {
			// LookPath checks an absolute path is an executable file,
			// without searching PATH.
			path, err := filepath.Abs(prebuilt)
			if err == nil {
				path, err = exec.LookPath(path)
			}
			if err != nil {
				buildErr = fmt.Errorf("HARBOR_INSTALLER_E2E_BINARY: %w", err)
				return
			}
			binPath = path
			return
		}
		dir, err := os.MkdirTemp("", "harbor-installer-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "harbor-installer")
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Dir(filepath.Dir(file))
		cmd := exec.Command("go", "build", "-o", binPath, ".")
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = err
			binPath = string(out)
		}
	})
	if buildErr != nil {
		t.Fatalf("build harbor-installer: %v\n%s", buildErr, binPath)
	}
	return binPath
}

type result struct {
	code           int
	stdout, stderr string
}

// run runs the binary with no terminal on stdin or stdout, as CI would.
func run(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Stdin = strings.NewReader("")
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return result{code, out.String(), errb.String()}
}

func readYAML(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

func dig(m map[string]any, path string) any {
	var cur any = m
	for _, p := range strings.Split(path, ".") {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[p]
	}
	return cur
}

// The acceptance case: the EKS preset with a domain renders harbor,
// minio and velero values and a plan, with the S3 wiring Harbor needs and no
// secret value anywhere.
func TestRenderEKSPreset(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	const secret = "Sup3r-S3cret-Value-0451"
	r := run(t, []string{"HARBOR_ADMIN_PASSWORD=" + secret, "MINIO_ROOT=" + secret},
		"render", "--preset", "eks-minio", "--set", "harbor.domain=registry.example.org",
		"--set", "harbor.adminPassword=env:HARBOR_ADMIN_PASSWORD", "--set", "minio.rootPassword=env:MINIO_ROOT", "--out", out)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, f := range []string{"harbor.values.yaml", "minio.values.yaml", "velero.values.yaml", "plan.yaml"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	h := readYAML(t, filepath.Join(out, "harbor.values.yaml"))
	checks := map[string]any{
		"expose.ingress.hosts.core":                       "registry.example.org",
		"externalURL":                                     "https://registry.example.org",
		"persistence.imageChartStorage.type":              "s3",
		"persistence.imageChartStorage.s3.regionendpoint": "http://minio.minio.svc.cluster.local:9000",
		"persistence.imageChartStorage.disableredirect":   true,
		"expose.ingress.className":                        "alb",
	}
	for k, want := range checks {
		if got := dig(h, k); got != want {
			t.Errorf("harbor %s = %v, want %v", k, got, want)
		}
	}
	for _, forbidden := range []string{"notary", "chartmuseum"} {
		b, _ := os.ReadFile(filepath.Join(out, "harbor.values.yaml"))
		if strings.Contains(string(b), forbidden) {
			t.Errorf("harbor values mention %s", forbidden)
		}
	}
	filepath.Walk(out, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, _ := os.ReadFile(p)
		if strings.Contains(string(b), secret) {
			t.Errorf("%s holds a secret value", p)
		}
		return nil
	})
	if strings.Contains(r.stdout+r.stderr, secret) {
		t.Error("output holds a secret value")
	}
}

func TestUnknownKeyExits2WithFileLineAndKey(t *testing.T) {
	f := filepath.Join(t.TempDir(), "answers.yaml")
	os.WriteFile(f, []byte("version: 1\nharbor:\n  domian: registry.example.org\n"), 0o644)
	for _, cmd := range []string{"render", "validate", "install"} {
		args := []string{cmd, "--answers", f}
		if cmd == "render" {
			args = append(args, "--out", filepath.Join(t.TempDir(), "o"))
		}
		r := run(t, nil, args...)
		if r.code != 2 {
			t.Errorf("%s: exit %d, want 2", cmd, r.code)
		}
		if !strings.Contains(r.stderr, f+":3: harbor.domian: unknown key") || !strings.Contains(r.stderr, "did you mean harbor.domain?") {
			t.Errorf("%s: stderr %q lacks file:line and key", cmd, r.stderr)
		}
	}
}

func TestNoCommandWithoutTerminalExits2(t *testing.T) {
	r := run(t, nil)
	if r.code != 2 || !strings.Contains(r.stderr, "--answers FILE") || !strings.Contains(r.stderr, "--preset") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	r = run(t, nil, "validate")
	if r.code != 2 || !strings.Contains(r.stderr, "--answers FILE or --preset NAME") {
		t.Errorf("validate without answers: exit %d, stderr %q", r.code, r.stderr)
	}
	r = run(t, nil, "render", "--bogus")
	if r.code != 2 || !strings.Contains(r.stderr, "unknown flag: --bogus") {
		t.Errorf("unknown flag: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestPresetsAndExplain(t *testing.T) {
	r := run(t, nil, "presets")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) != 3 || !strings.HasPrefix(lines[0], "dev ") || !strings.HasPrefix(lines[1], "eks-minio ") || !strings.HasPrefix(lines[2], "onprem-trident ") {
		t.Errorf("presets: exit %d\n%s", r.code, r.stdout)
	}
	r = run(t, nil, "answers", "explain", "minio.chart")
	if r.code != 0 || !strings.Contains(r.stdout, "choices: official, bitnami") {
		t.Errorf("explain: exit %d\n%s", r.code, r.stdout)
	}
	r = run(t, nil, "answers", "explain", "minio.chrat")
	if r.code != 2 || !strings.Contains(r.stderr, "did you mean minio.chart?") {
		t.Errorf("explain typo: exit %d\n%s", r.code, r.stderr)
	}
}

func TestDocsAnswersMarkdownIsCurrent(t *testing.T) {
	r := run(t, nil, "answers", "explain", "--markdown")
	_, file, _, _ := runtime.Caller(0)
	want, err := os.ReadFile(filepath.Join(filepath.Dir(filepath.Dir(file)), "docs", "answers.md"))
	if err != nil {
		t.Fatal(err)
	}
	if r.stdout != string(want) {
		t.Error("docs/answers.md is out of date: run `make docs`")
	}
}

func TestValidateOfflineExitCodesAndJSON(t *testing.T) {
	r := run(t, nil, "validate", "--offline", "--preset", "eks-minio", "--set", "harbor.domain=registry.example.org", "--output", "json")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	var fs []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &fs); err != nil || len(fs) == 0 {
		t.Fatalf("json: %v\n%s", err, r.stdout)
	}
	for _, f := range fs {
		if f["key"] == "" || f["level"] == nil || f["step"] == "" {
			t.Errorf("finding without key/level/step: %v", f)
		}
	}
	// A field failure: exit 1, text names the origin of the answer.
	r = run(t, nil, "validate", "--offline", "--preset", "eks-minio", "--set", "harbor.domain=registry.example.org", "--set", "minio.nodesPerZone=1")
	if r.code != 1 || !strings.Contains(r.stdout, "fail --set minio.nodesPerZone minio.nodesPerZone") {
		t.Errorf("exit %d\n%s", r.code, r.stdout)
	}
}

func TestRenderWritesNothingOnFailure(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	r := run(t, nil, "render", "--preset", "eks-minio", "--out", out)
	if r.code != 1 || !strings.Contains(r.stderr, "harbor.domain") {
		t.Errorf("exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("render wrote %s despite failures", out)
	}
}

func TestLiteralSecretRefusedThenWarned(t *testing.T) {
	f := filepath.Join(t.TempDir(), "answers.yaml")
	os.WriteFile(f, []byte("version: 1\npreset: dev\nharbor:\n  adminPassword: hunter2-literal\n"), 0o644)
	r := run(t, nil, "validate", "--offline", "-f", f)
	if r.code != 2 || !strings.Contains(r.stderr, f+":4: harbor.adminPassword: holds a literal secret") || strings.Contains(r.stderr, "hunter2-literal") {
		t.Errorf("exit %d\n%s", r.code, r.stderr)
	}
	r = run(t, nil, "validate", "--offline", "-f", f, "--allow-literal-secrets")
	if r.code != 0 || !strings.Contains(r.stderr, "warning: "+f+":4: harbor.adminPassword") || strings.Contains(r.stdout+r.stderr, "hunter2-literal") {
		t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
