package ui

import (
	"context"
	"io"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/harbor-installer/harbor-installer/install"
	"github.com/harbor-installer/harbor-installer/steps"
)

// responder plays the admin at line prompts: it answers each prompt from
// a rule keyed on the prompt's text.
type responder struct {
	mu      sync.Mutex
	all     strings.Builder
	in      *io.PipeWriter
	answers func(prompt string) string
}

func (r *responder) Write(p []byte) (int, error) {
	r.mu.Lock()
	r.all.Write(p)
	s := string(p)
	r.mu.Unlock()
	if strings.HasSuffix(s, ": ") {
		lines := strings.Split(s, "\n")
		ans := r.answers(lines[len(lines)-1])
		go r.in.Write([]byte(ans + "\n"))
	}
	return len(p), nil
}

func (r *responder) text() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.all.String()
}

func TestAccessibleDev(t *testing.T) {
	inTempDir(t)
	pr, pw := io.Pipe()
	tries := 0
	r := &responder{in: pw, answers: func(p string) string {
		switch {
		case strings.HasPrefix(p, "Registry domain"):
			tries++
			if tries == 1 {
				return "https://registry.example.org" // a field check fails: asked again
			}
			return "registry.example.org"
		case strings.HasPrefix(p, "Accept the warnings"), strings.HasPrefix(p, "Install now"):
			return "y"
		}
		return ""
	}}
	deps, _ := testDeps()
	deps.Installer = &fakeInstaller{events: stalledEvents(), sum: &install.Summary{HarborURL: "https://registry.example.org", AdminUser: "admin"}}
	deps.Verifier = &fakeVerifier{findings: []steps.Finding{{Step: "verify", Key: "cluster", Level: steps.Warn, Seen: "Harbor was not verified end to end: simulated cluster (no containers run)"}}}
	res, err := RunAccessible(context.Background(), Options{Preset: "dev"}, deps, pr, r)
	if err != nil {
		t.Fatalf("%v\n%s", err, r.text())
	}
	out := r.text()
	for _, want := range []string{
		"Cluster: context kind-harbor, API server https://127.0.0.1:6443, Kubernetes v1.37.0",
		"FAIL harbor.domain", "== Domain ==", "Plan:", "Answers saved to harbor-answers.yaml",
		"release.stalled harbor: Pod harbor-registry-7c9d Pending: FailedScheduling",
		"Harbor is installed", "https://registry.example.org",
		"choice: gp3 (ebs.csi.aws.com · ReadWriteOnce · default)",
		"Verifying Harbor end to end:\n  warn cluster: Harbor was not verified end to end: simulated cluster (no containers run)",
		"verified end to end:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if tries != 2 {
		t.Errorf("domain asked %d times, want 2 (the failing answer asked again)", tries)
	}
	if res.SavedPath == "" {
		t.Fatal("answers not saved")
	}
	if fi, err := os.Stat(res.SavedPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("saved answers: %v %v", fi, err)
	}
}
