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
// pseudo-terminal against the simulated cluster: type only the domain,
// accept what warns, reach Review and save; the saved answers replay.
func TestWizardDevPreset(t *testing.T) {
	c := harness.NewTestCluster(t, harness.ClusterOptions{DefaultStorageClass: "gp3"})
	dir := t.TempDir()
	s := startTTY(t, []string{"KUBECONFIG=" + c.Kubeconfig}, dir, "--preset", "dev")
	mark := s.waitFor(0, "Kubernetes v1.37", 20*time.Second)
	s.waitFor(0, "preset dev", 5*time.Second)
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
	t.Logf("keys from launch to Review (the domain's characters aside): %d; to install: %d", s.keys, s.keys+1)
	if s.keys+1 > 25 {
		t.Errorf("%d keys to start the install, want at most 25", s.keys+1)
	}
	s.press("s")
	s.waitFor(0, "saved harbor-answers.yaml", 10*time.Second)
	s.press("q")
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("wizard exit: %v\n%s", err, tail(s.text(), 2000))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("wizard did not exit on q")
	}
	saved := filepath.Join(dir, "harbor-answers.yaml")
	fi, err := os.Stat(saved)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("saved answers %v %v", fi, err)
	}
	m := readYAML(t, saved)
	if dig(m, "harbor.domain") != "registry.example.org" {
		t.Errorf("saved harbor.domain = %v", dig(m, "harbor.domain"))
	}
	// The replay command checks and plans the same answers without a prompt.
	r := run(t, []string{"KUBECONFIG=" + c.Kubeconfig}, "install", "--dry-run", "--answers", saved)
	if r.code != 0 || !strings.Contains(r.stdout, "harbor") {
		t.Errorf("replay --dry-run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}
