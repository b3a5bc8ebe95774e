//go:build e2e

package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/harbor-installer/harbor-installer/harness"
)

// ttySession is the real binary in a pseudo-terminal: keys in, the screen's
// text (escapes removed) out.
type ttySession struct {
	t    *testing.T
	f    *os.File
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	keys int
}

var ansiRE = regexp.MustCompile(`\x1b\[[0-9;?]*[a-zA-Z]|\x1b\][^\a]*\a|\x1b[()][A-Z0-9]|\x1b[=>]`)

func startTTY(t *testing.T, env []string, dir string, args ...string) *ttySession {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), append([]string{"TERM=xterm-256color", "LANG=C.UTF-8"}, env...)...)
	cmd.Dir = dir
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: 100, Rows: 30})
	if err != nil {
		t.Fatal(err)
	}
	s := &ttySession{t: t, f: f, cmd: cmd}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := f.Read(buf)
			s.mu.Lock()
			s.out.Write(buf[:n])
			s.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { cmd.Process.Kill(); f.Close() })
	return s
}

func (s *ttySession) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ansiRE.ReplaceAllString(s.out.String(), "")
}

// waitFor waits until the screen has shown want since mark.
func (s *ttySession) waitFor(mark int, want string, d time.Duration) int {
	s.t.Helper()
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		txt := s.text()
		if i := strings.Index(txt[min(mark, len(txt)):], want); i >= 0 {
			return mark + i + len(want)
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("screen never showed %q; last output:\n%s", want, tail(s.text(), 3000))
	return 0
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// press sends keys one at a time, counting them, with a pause so that an
// escape is not read as alt+the next key.
func (s *ttySession) press(keys ...string) {
	for _, k := range keys {
		s.keys++
		if _, err := s.f.Write([]byte(k)); err != nil {
			s.t.Fatal(err)
		}
		time.Sleep(120 * time.Millisecond)
	}
}

func (s *ttySession) typeText(text string) {
	if _, err := s.f.Write([]byte(text)); err != nil {
		s.t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
}

// TestWizardDevPreset drives `harbor-installer --preset dev` in a 100x30
// pseudo-terminal against the simulated cluster (its charts from the
// loopback repository through a small answers file): type only the domain,
// accept what warns, install to done; then the saved answers replay with
// `install --answers harbor-answers.yaml --yes`, every release unchanged.
func TestWizardDevPreset(t *testing.T) {
	c := harness.NewTestCluster(t, harness.ClusterOptions{DefaultStorageClass: "gp3"})
	repo := harness.NewTestChartRepo(t, "")
	dir := t.TempDir()
	start := filepath.Join(dir, "charts.yaml")
	if err := os.WriteFile(start, []byte("version: 1\ncharts:\n  harbor: {source: "+repo.URL+", name: harbor, version: 1.19.1}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"KUBECONFIG=" + c.Kubeconfig}
	s := startTTY(t, env, dir, "--preset", "dev", "--answers", start)
	mark := s.waitFor(0, "Kubernetes v1.37", 20*time.Second)
	s.waitFor(0, "charts.yaml", 5*time.Second)
	s.press("\r") // welcome
	mark = s.waitFor(mark, "Cluster DNS domain", 10*time.Second)
	s.press("\r") // cluster
	mark = s.waitFor(mark, "Registry domain", 20*time.Second)
	s.press("\x15") // ctrl+u clears the preset's domain
	s.typeText("registry.example.org")
	// Every later step: enter; where warnings block it, the screen says
	// so and ctrl+a accepts them (an admin who reads the help line presses
	// ctrl+a first and saves a key per warning).
	for i := 0; i < 20; i++ {
		mark = len(s.text())
		s.press("\r")
		time.Sleep(2 * time.Second)
		txt := s.text()[mark:]
		if strings.Contains(txt, "save and install") {
			break
		}
		if strings.Contains(txt, "accept the warnings with ctrl+a") {
			s.press("\x01")
		}
	}
	s.waitFor(0, "save and install", 10*time.Second)
	mark = len(s.text())
	s.press("i")
	t.Logf("keys from launch to install started (the domain's characters aside): %d", s.keys)
	if s.keys > 25 {
		t.Errorf("%d keys to start the install, want at most 25", s.keys)
	}
	s.waitFor(mark, "Installing", 20*time.Second)
	end := time.Now().Add(4 * time.Minute)
	for time.Now().Before(end) {
		txt := s.text()[mark:]
		if strings.Contains(txt, "Install failed") || strings.Contains(txt, "Install stopped") {
			time.Sleep(time.Second)
			t.Fatalf("install did not succeed:\n%s", tail(s.text(), 3000))
		}
		if strings.Contains(txt, "Harbor is installed") {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	mark = s.waitFor(mark, "Harbor is installed", time.Second)
	// The Done screen then shows the proof; here, that there is none.
	s.waitFor(mark, "Harbor was not verified end to end", 30*time.Second)
	s.press("\r")
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("wizard exit: %v\n%s", err, tail(s.text(), 2000))
		}
	case <-time.After(20 * time.Second):
		t.Fatal("wizard did not exit on enter")
	}
	// The summary stays on the normal screen, in the scrollback, with the
	// proof: the simulated cluster cannot be verified, and says so.
	s.waitFor(mark, "replay", 5*time.Second)
	s.waitFor(mark, "warn cluster: Harbor was not verified end to end: simulated cluster (no containers run)", 5*time.Second)
	saved := filepath.Join(dir, "harbor-answers.yaml")
	fi, err := os.Stat(saved)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("saved answers %v %v", fi, err)
	}
	m := readYAML(t, saved)
	if dig(m, "harbor.domain") != "registry.example.org" {
		t.Errorf("saved harbor.domain = %v", dig(m, "harbor.domain"))
	}
	// The replay command installs the same thing without a question.
	r := runIn(t, dir, env, "install", "--answers", "harbor-answers.yaml", "--yes")
	if r.code != 0 || !strings.Contains(r.stdout+r.stderr, "unchanged") || !strings.Contains(r.stdout, "verify warn cluster: Harbor was not verified end to end") {
		t.Errorf("replay: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// runIn is run in a working directory.
func runIn(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return result{code, out.String(), errb.String()}
}
