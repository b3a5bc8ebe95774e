package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/install"
	"github.com/harbor-installer/harbor-installer/kube/model"
	"github.com/harbor-installer/harbor-installer/render"
	"github.com/harbor-installer/harbor-installer/steps"
)

// cliFake is a cluster where everything installs and turns ready at once,
// except failRelease, whose Helm error and evidence quote leak (the worst a
// real backend could do).
type cliFake struct {
	mu          sync.Mutex
	secrets     map[string]*model.SecretState
	releases    map[string]*model.ReleaseState
	failRelease string
	leak        []string
	block       chan struct{}
	// proof is what afterInstall reports; verified counts its calls.
	proof    []steps.Finding
	verified int
}

func newCLIFake() *cliFake {
	return &cliFake{secrets: map[string]*model.SecretState{}, releases: map[string]*model.ReleaseState{}}
}

func (f *cliFake) EnsureNamespace(context.Context, string) (bool, error) { return true, nil }
func (f *cliFake) GetSecret(_ context.Context, ns, name string) (*model.SecretState, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.secrets[ns+"/"+name]
	return s, ok, nil
}
func (f *cliFake) ApplySecret(_ context.Context, s model.SecretSpec) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.secrets[s.Namespace+"/"+s.Name] = &model.SecretState{Labels: s.Labels, Annotations: s.Annotations, Type: s.Type, Data: s.Data}
	return nil
}
func (f *cliFake) DeleteSecret(_ context.Context, ns, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.secrets, ns+"/"+name)
	return nil
}
func (f *cliFake) ApplyObject(context.Context, map[string]any, bool) error { return nil }
func (f *cliFake) Blocker(context.Context, []model.WatchTarget) (*model.Blocker, error) {
	return nil, nil
}
func (f *cliFake) Evidence(_ context.Context, ns string) (*model.Evidence, error) {
	return &model.Evidence{Namespace: ns, Events: f.leakForms(), Logs: map[string][]string{"p/c": f.leakForms()}}, nil
}
func (f *cliFake) leakForms() []string {
	var out []string
	for _, v := range f.leak {
		out = append(out, "saw "+v, base64.StdEncoding.EncodeToString([]byte(v)))
	}
	return out
}
func (f *cliFake) State(_ context.Context, ns, name string) (*model.ReleaseState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s := f.releases[name]; s != nil {
		cp := *s
		return &cp, nil
	}
	return &model.ReleaseState{Name: name, Namespace: ns}, nil
}
func (f *cliFake) Apply(ctx context.Context, spec model.ReleaseSpec) (*model.ReleaseResult, error) {
	if spec.Name == f.failRelease {
		return nil, errors.New("helm refused: " + strings.Join(f.leak, " "))
	}
	if f.block != nil {
		close(f.block)
		<-ctx.Done()
		return nil, ctx.Err()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	st := f.releases[spec.Name]
	if st == nil {
		st = &model.ReleaseState{Name: spec.Name, Namespace: spec.Namespace}
		f.releases[spec.Name] = st
	}
	st.Revision++
	st.Status, st.LastDeployed, st.ChartVersion, st.Values = model.ReleaseDeployed, st.Revision, spec.Chart.Version, spec.Values
	return &model.ReleaseResult{Revision: st.Revision}, nil
}
func (f *cliFake) Recover(context.Context, string, string) error  { return nil }
func (f *cliFake) Rollback(context.Context, string, string) error { return nil }
func (f *cliFake) Uninstall(_ context.Context, _, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.releases, name)
	return nil
}
func (f *cliFake) Watch(ctx context.Context, targets []model.WatchTarget, update func(model.ObjectStatus)) error {
	for _, t := range targets {
		update(model.ObjectStatus{Ref: t.Ref, State: model.Ready, Ready: 1, Desired: 1, Observed: time.Now()})
	}
	<-ctx.Done()
	return nil
}

// withFake makes every command use f and skips the live checks (they need
// real systems; e2e covers them).
func withFake(t *testing.T, f *cliFake) {
	oldB, oldL, oldA := newBackend, liveChecks, afterInstall
	newBackend = func(*answers.Answers, time.Duration) (install.Backend, error) { return f, nil }
	liveChecks = func(context.Context, *answers.Loaded, time.Duration) []steps.Finding { return nil }
	afterInstall = func(_ context.Context, _ *answers.Answers, _ string, report func(steps.Finding)) ([]steps.Finding, error) {
		f.mu.Lock()
		f.verified++
		proof := f.proof
		f.mu.Unlock()
		for _, p := range proof {
			report(p)
		}
		return proof, nil
	}
	t.Cleanup(func() { newBackend, liveChecks, afterInstall = oldB, oldL, oldA })
}

func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := Main(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestInstallNeedsYesWithoutTerminal(t *testing.T) {
	withFake(t, newCLIFake())
	code, _, stderr := runCLI("install", "--preset", "dev")
	if code != ExitUsage || !strings.Contains(stderr, "--yes") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestInstallPlainThenUnchanged(t *testing.T) {
	f := newCLIFake()
	withFake(t, f)
	code, out, stderr := runCLI("install", "--preset", "dev", "--yes")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	for _, want := range []string{"harbor: install chart harbor", "harbor: ready (revision 1)", "Admin password:  kubectl -n harbor get secret", "Replay:          harbor-installer install --preset dev --yes"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runCLI("install", "--preset", "dev", "--yes", "--output", "json")
	if code != ExitOK || !strings.Contains(out, `"type":"release.unchanged"`) || strings.Contains(out, "Plan:") {
		t.Errorf("second run exit %d:\n%s", code, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(line, `{"type":`) {
			t.Errorf("stdout line is not an event: %q", line)
		}
	}
}

func TestInstallInterruptedExits130(t *testing.T) {
	f := newCLIFake()
	f.block = make(chan struct{})
	withFake(t, f)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-f.block; cancel() }()
	var out, errb bytes.Buffer
	code := mainContext(ctx, []string{"install", "--preset", "dev", "--yes"}, strings.NewReader(""), &out, &errb)
	if code != ExitInterrupted || !strings.Contains(out.String(), "Resume:") {
		t.Errorf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
}

// TestNoSecretValueWritten resolves real secret values (env: and file:
// references with known values, and every generated value the install
// made, learnt through install.ResolveSecrets) and searches every file the
// program writes (render --out, saved answers, the support bundle) and its
// output, plain and base64, for them.
func TestNoSecretValueWritten(t *testing.T) {
	dir := t.TempDir()
	known := map[string]string{
		"T_ADMIN_PASSWORD": "adm1n-S3CRET-value-4471",
		"T_MINIO_ROOT":     "minio-root-S3CRET-5590",
		"T_MINIO_HARBOR":   `minio-harbor-S3CRET"<&>-3310`,
	}
	for k, v := range known {
		t.Setenv(k, v)
	}
	bindFile := filepath.Join(dir, "bind")
	known["file"] = "file-S3CRET-bind-8841"
	if err := os.WriteFile(bindFile, []byte(known["file"]+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	answersFile := filepath.Join(dir, "answers.yaml")
	if err := os.WriteFile(answersFile, []byte(`version: 1
preset: eks-minio
harbor:
  domain: registry.example.org
  adminPassword: env:T_ADMIN_PASSWORD
minio:
  rootPassword: env:T_MINIO_ROOT
  harborSecretKey: env:T_MINIO_HARBOR
ldap:
  enabled: true
  url: ldaps://ldap.example.org:636
  bindDN: cn=harbor,dc=example,dc=org
  bindPassword: file:`+bindFile+`
  baseDN: dc=example,dc=org
`), 0o600); err != nil {
		t.Fatal(err)
	}
	f := newCLIFake()
	withFake(t, f)
	outDir := filepath.Join(dir, "out")
	bundleDir := filepath.Join(dir, "bundles")
	var outputs []string
	code, out, stderr := runCLI("render", "--answers", answersFile, "--out", outDir)
	if code != ExitOK {
		t.Fatalf("render: %d %s", code, stderr)
	}
	outputs = append(outputs, out, stderr)
	// A first install succeeds and generates; a second fails in harbor with
	// the backend quoting every value, so the bundle is written.
	code, out, stderr = runCLI("install", "--answers", answersFile, "--yes")
	if code != ExitOK {
		t.Fatalf("install: %d\n%s\n%s", code, out, stderr)
	}
	outputs = append(outputs, out, stderr)

	l, err := answers.Load(answers.Options{File: answersFile})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := render.Build(&l.Answers)
	if err != nil {
		t.Fatal(err)
	}
	res, err := install.ResolveSecrets(context.Background(), f, plan)
	if err != nil {
		t.Fatal(err)
	}
	values := res.Values()
	for name, v := range known {
		if !contains(values, v) {
			t.Errorf("the resolver does not report %s's value: the test would miss its leaks", name)
		}
	}
	if len(values) < len(known)+5 {
		t.Fatalf("only %d values resolved; generated ones missing", len(values))
	}
	f.failRelease, f.leak = "harbor", values
	code, out, stderr = runCLI("install", "--answers", answersFile, "--yes", "--bundle-dir", bundleDir, "--set", "harbor.trivy=false")
	if code != ExitFailure || !strings.Contains(out, "Support bundle:") {
		t.Fatalf("failing install: %d\n%s\n%s", code, out, stderr)
	}
	outputs = append(outputs, out, stderr)
	_, out, stderr = runCLI("install", "--answers", answersFile, "--yes", "--bundle-dir", bundleDir, "--set", "harbor.trivy=false", "--output", "json")
	outputs = append(outputs, out, stderr)
	saved := filepath.Join(dir, "saved.yaml")
	if _, err := answers.Save(saved, &l.Answers); err != nil {
		t.Fatal(err)
	}

	files := map[string][]byte{}
	for _, d := range []string{outDir, bundleDir} {
		entries, err := os.ReadDir(d)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(d, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			files[filepath.Join(filepath.Base(d), e.Name())] = b
		}
	}
	if len(files) < len(plan.Releases)+2 {
		t.Fatalf("only %d files written: %v", len(files), keys(files))
	}
	sb, _ := os.ReadFile(saved)
	files["saved.yaml"] = sb
	for i, o := range outputs {
		files["output #"+string(rune('0'+i))] = []byte(o)
	}
	for name, b := range files {
		for _, v := range values {
			for _, form := range []string{v, base64.StdEncoding.EncodeToString([]byte(v))} {
				if bytes.Contains(b, []byte(form)) {
					t.Errorf("%s holds a secret value (%d chars, starting %q)", name, len(v), v[:2])
				}
			}
		}
	}
}

func contains(l []string, s string) bool {
	for _, v := range l {
		if v == s {
			return true
		}
	}
	return false
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
