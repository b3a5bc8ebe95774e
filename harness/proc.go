// Package harness starts the local test world of harbor-installer: a real
// Kubernetes control plane (etcd, kube-apiserver, controller-manager,
// scheduler) with kwok playing the kubelets, and real services beside it
// (slapd, MinIO, PostgreSQL, Redis, a Helm chart repository and an OCI
// registry), all on loopback. It is used by the e2e tests, the benchmarks and
// `make demo`; nothing in the installer itself imports it.
package harness

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// CacheDir is where built tools and other reusable artifacts live, outside
// any clone so that CI's fresh clones reuse them. HARBOR_INSTALLER_CACHE
// overrides it; hack/build-tools.sh uses the same rule.
func CacheDir() string {
	if d := os.Getenv("HARBOR_INSTALLER_CACHE"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "harbor-installer")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "harbor-installer")
}

// ToolPath returns the cached binary name-version built by
// hack/build-tools.sh, or an error telling how to build it.
func ToolPath(name, version string) (string, error) {
	p := filepath.Join(CacheDir(), "bin", name+"-"+version)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%s %s is not built (looked for %s): run `make tools` first", name, version, p)
	}
	return p, nil
}

// FreePort asks the kernel for a free TCP port on 127.0.0.1. There is a small
// window before the caller binds it; callers that race for ports retry.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free loopback port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Proc is a child process of the harness. It runs in its own process group
// and gets SIGKILL when the process that started it dies (Pdeathsig), so a
// crashed test run leaves nothing behind.
type Proc struct {
	Name    string
	LogPath string
	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
}

// StartProc starts bin with args in dir, logging stdout and stderr to
// dir/<name>.log. env is added to a minimal environment.
func StartProc(dir, name, bin string, args, env []string) (*Proc, error) {
	return StartProcAs(dir, name, bin, args, env, nil)
}

// StartProcAs is StartProc running as cred's user when cred is not nil: root
// runs programs that refuse root (postgres) as an unprivileged user.
// Pdeathsig survives the user change: Go's child sets it after setuid.
func StartProcAs(dir, name, bin string, args, env []string, cred *syscall.Credential) (*Proc, error) {
	logPath := filepath.Join(dir, name+".log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	cmd := childCommand(context.Background(), dir, bin, args, env, cred)
	cmd.Stdout, cmd.Stderr = logf, logf
	err = startLocked(cmd.Start)
	if err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s (%s): %w", name, bin, err)
	}
	p := &Proc{Name: name, LogPath: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		logf.Close()
		close(p.done)
	}()
	return p, nil
}

// childCommand prepares a harness child: its own process group, SIGKILL when
// the harness dies, a minimal environment with HOME in dir, and cred's user
// when cred is not nil.
func childCommand(ctx context.Context, dir, bin string, args, env []string, cred *syscall.Credential) *exec.Cmd {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}, env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL, Credential: cred}
	return cmd
}

// startLocked runs start (cmd.Start, cmd.Run...) with the OS thread locked.
// Pdeathsig fires when the starting OS thread exits, not the process; keep
// the thread locked while starting, and Go never retires unlocked threads
// that idle, so the signal comes only when the whole process dies.
func startLocked(start func() error) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return start()
}

// Exited reports whether the process has ended.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Pid is the process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Stop sends SIGTERM to the process group, then SIGKILL after grace.
func (p *Proc) Stop(grace time.Duration) {
	if p.Exited() {
		return
	}
	pgid := p.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
	}
}

// LogTail returns the last n bytes of the process log, for error messages.
func (p *Proc) LogTail(n int) string {
	b, err := os.ReadFile(p.LogPath)
	if err != nil {
		return ""
	}
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// WaitTCP waits until addr accepts TCP connections, the process exits, or
// ctx ends.
func (p *Proc) WaitTCP(ctx context.Context, addr string) error {
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		if p.Exited() {
			return fmt.Errorf("%s exited before listening on %s: %v\n%s", p.Name, addr, p.waitErr, p.LogTail(2000))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s did not listen on %s: %w\n%s", p.Name, addr, ctx.Err(), p.LogTail(2000))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// runDirPrefix names the harness's temporary directories; the owner's pid
// follows it so a later run can sweep directories of runs that died.
const runDirPrefix = "harbor-installer-harness-"

// NewRunDir makes a temporary directory owned by this process, after
// removing those left by harness processes that no longer exist.
func NewRunDir() (string, error) {
	sweepStaleRunDirs()
	return os.MkdirTemp("", runDirPrefix+strconv.Itoa(os.Getpid())+"-")
}

func sweepStaleRunDirs() { sweepStaleRunDirsIn(os.TempDir()) }

// sweepStaleRunDirsIn removes run directories under parent whose owner
// process no longer exists.
func sweepStaleRunDirsIn(parent string) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), runDirPrefix)
		if !ok || !e.IsDir() {
			continue
		}
		pidStr, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidStr)
		if err != nil || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			_ = os.RemoveAll(filepath.Join(parent, e.Name()))
		}
	}
}

// Stopper collects cleanup functions and runs them in reverse order once.
type Stopper struct {
	mu    sync.Mutex
	funcs []func()
	done  bool
}

// Add registers f to run at Stop.
func (s *Stopper) Add(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.funcs = append(s.funcs, f)
}

// Stop runs the registered functions, last added first.
func (s *Stopper) Stop() {
	s.mu.Lock()
	funcs := s.funcs
	s.funcs = nil
	s.done = true
	s.mu.Unlock()
	for i := len(funcs) - 1; i >= 0; i-- {
		funcs[i]()
	}
}
