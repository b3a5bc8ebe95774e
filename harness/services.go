package harness

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// This file holds what the service starters (ldap.go, minio.go, postgres.go,
// redis.go) share, the black hole, and Services, which starts them all.

// DepsHint tells how to get the Debian packages the services need.
const DepsHint = "run hack/install-deps.sh (installs slapd ldap-utils postgresql redis-server)"

// ToolsHint tells how to build the binaries that come from the module proxy.
const ToolsHint = "run `make tools` (hack/build-tools.sh)"

// startTimeout bounds a Start* call made by the t-bound wrappers.
const startTimeout = 90 * time.Second

// svcRunDir makes the directory of one service: a fresh harness run
// directory, or a new directory inside parent when parent is set. The
// returned function removes it.
func svcRunDir(parent, name string) (string, func(), error) {
	var (
		dir string
		err error
	)
	if parent == "" {
		dir, err = NewRunDir()
	} else {
		dir, err = os.MkdirTemp(parent, name+"-")
	}
	if err != nil {
		return "", nil, fmt.Errorf("%s: make run directory: %w", name, err)
	}
	return dir, func() { _ = os.RemoveAll(dir) }, nil
}

// svcToken returns n random bytes in hex: passwords and access keys.
func svcToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return hex.EncodeToString(b)
}

// svcRun runs a short command (initdb, ldapadd, psql) to its end, with the
// same environment rules as StartProc, and returns its output on failure.
func svcRun(ctx context.Context, dir, bin string, args, env []string, cred *syscall.Credential) error {
	cmd := childCommand(ctx, dir, bin, args, env, cred)
	var out []byte
	err := startLocked(func() (err error) { out, err = cmd.CombinedOutput(); return err })
	if err != nil {
		return fmt.Errorf("%s %s: %w\n%s", filepath.Base(bin), strings.Join(args, " "), err, out)
	}
	return nil
}

// svcUnprivileged returns the credential to run a root-refusing server with:
// nil when the harness is not root, else the `postgres` user (or `nobody`).
func svcUnprivileged(preferred string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{preferred, "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil || uid == 0 {
			continue
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
	}
	return nil, fmt.Errorf("running as root and found neither user %q nor nobody to run as", preferred)
}

// svcChown gives path and everything below it to cred's user (no-op for nil).
func svcChown(path string, cred *syscall.Credential) error {
	if cred == nil {
		return nil
	}
	return filepath.Walk(path, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, int(cred.Uid), int(cred.Gid))
	})
}

// svcCopyTree copies the directory src to dst (which must not exist),
// keeping file modes; symbolic links are copied as links.
func svcCopyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.Mkdir(target, info.Mode().Perm()|0o700)
		case info.Mode()&os.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case info.Mode().IsRegular():
			in, err := os.Open(p)
			if err != nil {
				return err
			}
			defer in.Close()
			out, err := os.OpenFile(target, os.O_CREATE|os.O_EXCL|os.O_WRONLY, info.Mode().Perm())
			if err != nil {
				return err
			}
			if _, err := io.Copy(out, in); err != nil {
				out.Close()
				return err
			}
			return out.Close()
		}
		return nil // sockets and the like are not copied
	})
}

// svcNeedFile fails with hint when the binary at path is missing.
func svcNeedFile(path, what, hint string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("%s not found at %s: %s", what, path, hint)
	}
	return nil
}

// svcPorts returns n distinct free loopback ports.
func svcPorts(n int) ([]int, error) {
	seen := map[int]bool{}
	var ports []int
	for len(ports) < n {
		p, err := FreePort()
		if err != nil {
			return nil, err
		}
		if !seen[p] {
			seen[p] = true
			ports = append(ports, p)
		}
	}
	return ports, nil
}

// svcFatal fails t with the error of a Start* call.
// startForTest starts a service for t with a start time limit, fails t
// saying what could not start, and stops the service when t ends.
func startForTest[S interface{ Stop() }](t testing.TB, what string, timeout time.Duration, start func(context.Context) (S, error)) S {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	s, err := start(ctx)
	if err != nil {
		svcFatal(t, what, err)
	}
	t.Cleanup(s.Stop)
	return s
}

func svcFatal(t testing.TB, what string, err error) {
	t.Helper()
	t.Fatalf("harness: start %s: %v", what, err)
}

// ProcessesUnder lists the live processes whose working directory or
// command line lies under dir: a check that a stopped service left nothing
// running (every harness service runs with its run directory as cwd).
func ProcessesUnder(dir string) []int {
	dir = filepath.Clean(dir)
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		under := false
		if cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd")); err == nil {
			cwd = strings.TrimSuffix(cwd, " (deleted)")
			under = cwd == dir || strings.HasPrefix(cwd, dir+"/")
		}
		if !under {
			if cl, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline")); err == nil {
				under = strings.Contains(string(cl), dir+"/") || strings.Contains(string(cl), dir+"\x00")
			}
		}
		if under {
			if st, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); err == nil {
				// A zombie is already dead; its parent only has not reaped it.
				if i := strings.LastIndexByte(string(st), ')'); i > 0 && i+2 < len(st) && st[i+2] == 'Z' {
					continue
				}
			}
			pids = append(pids, pid)
		}
	}
	return pids
}

// BlackHole is a loopback TCP listener that accepts connections and never
// sends a byte: the target of timeout tests.
type BlackHole struct {
	Addr string // 127.0.0.1:port
	URL  string // ldap://127.0.0.1:port, for LDAP timeout tests

	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
	done  chan struct{}
	once  sync.Once
}

// StartBlackHole starts a black hole on a free loopback port.
func StartBlackHole() (*BlackHole, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("black hole: %w", err)
	}
	b := &BlackHole{Addr: ln.Addr().String(), URL: "ldap://" + ln.Addr().String(), ln: ln, done: make(chan struct{})}
	go func() {
		defer close(b.done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b.mu.Lock()
			if b.conns == nil && b.ln == nil {
				b.mu.Unlock()
				c.Close()
				return
			}
			b.conns = append(b.conns, c)
			b.mu.Unlock()
		}
	}()
	return b, nil
}

// Stop closes the listener and every connection it accepted.
func (b *BlackHole) Stop() {
	b.once.Do(func() {
		b.mu.Lock()
		_ = b.ln.Close()
		b.ln = nil
		for _, c := range b.conns {
			_ = c.Close()
		}
		b.conns = nil
		b.mu.Unlock()
		<-b.done
	})
}

// NewTestBlackHole starts a black hole stopped at the end of t.
func NewTestBlackHole(t testing.TB) *BlackHole {
	t.Helper()
	b, err := StartBlackHole()
	if err != nil {
		svcFatal(t, "black hole", err)
	}
	t.Cleanup(b.Stop)
	return b
}

// ServicesOptions selects what StartServices starts.
type ServicesOptions struct {
	Dir      string // parent of the services' directories; a new run dir when empty
	LDAP     bool
	MinIO    bool
	Postgres bool
	Redis    bool
	Sentinel bool // with Redis: a sentinel too
	MinIOTLS bool
}

// Services is a set of started services sharing one run directory and CA.
// Fields of services not asked for are nil.
type Services struct {
	Dir      string
	CA       *TestCA
	LDAP     *LDAP
	MinIO    *MinIO
	Postgres *Postgres
	Redis    *Redis

	stop    Stopper
	stopped sync.Once
}

// StartServices starts the services opts asks for, one after the other (the
// machine is small), and stops those started when one fails.
func StartServices(ctx context.Context, opts ServicesOptions) (_ *Services, err error) {
	dir, rm, err := svcRunDir(opts.Dir, "services")
	if err != nil {
		return nil, err
	}
	s := &Services{Dir: dir}
	s.stop.Add(rm)
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()
	if s.CA, err = NewTestCA(dir); err != nil {
		return nil, err
	}
	if opts.LDAP {
		if s.LDAP, err = StartLDAP(ctx, LDAPOptions{Dir: dir, CA: s.CA}); err != nil {
			return nil, err
		}
		s.stop.Add(s.LDAP.Stop)
	}
	if opts.MinIO {
		if s.MinIO, err = StartMinIO(ctx, MinIOOptions{Dir: dir, CA: s.CA, TLS: opts.MinIOTLS}); err != nil {
			return nil, err
		}
		s.stop.Add(s.MinIO.Stop)
	}
	if opts.Postgres {
		if s.Postgres, err = StartPostgres(ctx, PostgresOptions{Dir: dir}); err != nil {
			return nil, err
		}
		s.stop.Add(s.Postgres.Stop)
	}
	if opts.Redis {
		if s.Redis, err = StartRedis(ctx, RedisOptions{Dir: dir, Sentinel: opts.Sentinel}); err != nil {
			return nil, err
		}
		s.stop.Add(s.Redis.Stop)
	}
	return s, nil
}

// Stop stops every service and removes the directory.
func (s *Services) Stop() { s.stopped.Do(s.stop.Stop) }

// NewTestServices starts the services for t and stops them at its end.
func NewTestServices(t testing.TB, opts ServicesOptions) *Services {
	t.Helper()
	return startForTest(t, "services", 3*startTimeout, func(ctx context.Context) (*Services, error) { return StartServices(ctx, opts) })
}

// svcWaitFor polls check until it succeeds, p exits, or ctx ends.
func svcWaitFor(ctx context.Context, p *Proc, what string, check func() error) error {
	var last error
	for {
		if last = check(); last == nil {
			return nil
		}
		if p != nil && p.Exited() {
			return fmt.Errorf("%s exited before %s: %v\n%s", p.Name, what, p.waitErr, p.LogTail(3000))
		}
		select {
		case <-ctx.Done():
			tail := ""
			if p != nil {
				tail = "\n" + p.LogTail(3000)
			}
			return fmt.Errorf("%s: %w (last error: %v)%s", what, ctx.Err(), last, tail)
		case <-time.After(150 * time.Millisecond):
		}
	}
}

var errNotReady = errors.New("not ready")
