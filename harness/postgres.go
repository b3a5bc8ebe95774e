package harness

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// PostgresBinDir holds initdb, postgres and psql. Empty means the newest
// /usr/lib/postgresql/*/bin (Debian 12: 15).
var PostgresBinDir = ""

// PostgresOptions configures StartPostgres. The zero value is fine.
type PostgresOptions struct {
	Dir      string // parent directory; a new harness run dir when empty
	User     string // login role owning Database; "harbor" when empty
	Password string // its password; generated when empty
	Database string // "registry" (Harbor's core database) when empty
}

// Postgres is a running PostgreSQL server on loopback. Every connection,
// local or TCP, authenticates with a password (scram-sha-256).
//
// The cluster is a copy of a template made once by initdb and cached under
// CacheDir()/postgres/template-<major>; remove that to remake it.
//
// PostgreSQL refuses to run as root. When the harness runs as root, initdb
// and postgres run as the `postgres` system user (from Debian's package; or
// `nobody`), with the data directory owned by that user and the run
// directory made traversable (o+x, no read) for it.
type Postgres struct {
	Host     string // 127.0.0.1
	Port     int
	Addr     string // 127.0.0.1:P
	User     string
	Password string
	Database string
	// The bootstrap superuser, for tests that need more power.
	SuperUser     string
	SuperPassword string

	Dir  string
	proc *Proc
	stop Stopper
	once sync.Once
}

// DSN returns a postgres:// URL for User on Database, without TLS.
func (p *Postgres) DSN() string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(p.User, p.Password),
		Host:     p.Addr,
		Path:     "/" + p.Database,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

func postgresBinDir() (string, error) {
	if PostgresBinDir != "" {
		return PostgresBinDir, svcNeedFile(filepath.Join(PostgresBinDir, "postgres"), "postgres", DepsHint)
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "postgres")); err == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("postgres not found in /usr/lib/postgresql/*/bin: %s", DepsHint)
}

// StartPostgres initialises a cluster in a run directory, starts postgres on
// a free loopback port, and creates opts.User with opts.Database.
func StartPostgres(ctx context.Context, opts PostgresOptions) (_ *Postgres, err error) {
	bin, err := postgresBinDir()
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	cred, err := svcUnprivileged("postgres")
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	dir, rm, err := svcRunDir(opts.Dir, "postgres")
	if err != nil {
		return nil, err
	}
	pg := &Postgres{
		Dir: dir, Host: "127.0.0.1",
		User: opts.User, Password: opts.Password, Database: opts.Database,
		SuperUser: "postgres", SuperPassword: svcToken(12),
	}
	if pg.User == "" {
		pg.User = "harbor"
	}
	if pg.Password == "" {
		pg.Password = svcToken(12)
	}
	if pg.Database == "" {
		pg.Database = "registry"
	}
	pg.stop.Add(rm)
	defer func() {
		if err != nil {
			pg.Stop()
		}
	}()

	if cred != nil {
		// The server user must reach its data directory through ours.
		for _, d := range []string{opts.Dir, dir} {
			if d == "" {
				continue
			}
			if fi, err := os.Stat(d); err == nil && fi.Mode().Perm()&0o001 == 0 {
				if err := os.Chmod(d, fi.Mode().Perm()|0o011); err != nil {
					return nil, fmt.Errorf("postgres: %w", err)
				}
			}
		}
	}
	// initdb is slow on a busy machine (minutes under heavy load): make one
	// template cluster per PostgreSQL version in the cache and copy it.
	// It is made once, so it gets its own, longer deadline than ctx.
	tctx, tcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Minute)
	tmpl, tmplPassword, err := postgresTemplate(tctx, bin, cred)
	tcancel()
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	data := filepath.Join(dir, "data")
	if err := svcCopyTree(tmpl, data); err != nil {
		return nil, fmt.Errorf("postgres: copy template cluster: %w", err)
	}
	_ = os.Remove(filepath.Join(data, postgresTemplatePassword))
	if err := os.Chmod(data, 0o700); err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := svcChown(data, cred); err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}

	for attempt := 0; ; attempt++ {
		port, err := FreePort()
		if err != nil {
			return nil, err
		}
		pg.Port, pg.Addr = port, net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		p, err := StartProcAs(dir, "postgres", filepath.Join(bin, "postgres"), []string{
			"-D", data,
			"-c", "listen_addresses=127.0.0.1",
			"-c", "port=" + strconv.Itoa(port),
			"-c", "unix_socket_directories=", // TCP only: no socket in /var/run
			"-c", "password_encryption=scram-sha-256",
			"-c", "max_connections=200",
			"-c", "shared_buffers=32MB",
			"-c", "fsync=off",
			"-c", "synchronous_commit=off",
			"-c", "full_page_writes=off",
			"-c", "logging_collector=off",
		}, []string{"LC_ALL=C"}, cred)
		if err != nil {
			return nil, fmt.Errorf("postgres: %w", err)
		}
		err = p.WaitTCP(ctx, pg.Addr)
		if err == nil {
			pg.proc = p
			pg.stop.Add(func() { postgresStop(p) })
			break
		}
		p.Stop(time.Second)
		if attempt >= 2 || ctx.Err() != nil || !strings.Contains(p.LogTail(4000), "ddress already in use") {
			return nil, fmt.Errorf("postgres: %w", err)
		}
	}

	superPassword := tmplPassword
	psql := func(ctx context.Context, sql ...string) error {
		args := []string{"-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", pg.Host, "-p", strconv.Itoa(pg.Port), "-U", pg.SuperUser, "-d", "postgres"}
		for _, s := range sql {
			args = append(args, "-c", s)
		}
		return svcRun(ctx, dir, filepath.Join(bin, "psql"), args,
			[]string{"PGPASSWORD=" + superPassword, "PGCONNECT_TIMEOUT=2", "LC_ALL=C"}, nil)
	}
	// postgres accepts TCP before it accepts logins ("starting up").
	if err := svcWaitFor(ctx, pg.proc, "postgres accepts logins", func() error {
		c, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		return psql(c, "SELECT 1")
	}); err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := psql(ctx,
		fmt.Sprintf("ALTER ROLE %s PASSWORD %s", pgIdent(pg.SuperUser), pgLiteral(pg.SuperPassword)),
		fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD %s", pgIdent(pg.User), pgLiteral(pg.Password)),
		fmt.Sprintf("CREATE DATABASE %s OWNER %s", pgIdent(pg.Database), pgIdent(pg.User)),
	); err != nil {
		return nil, fmt.Errorf("postgres: create user and database: %w", err)
	}
	return pg, nil
}

// postgresTemplatePassword is the file, inside a template cluster, holding
// the password its superuser was created with.
const postgresTemplatePassword = "harness-superuser-password"

// postgresTemplate returns a cluster made by initdb (scram-sha-256 for all
// connections, superuser "postgres") under CacheDir()/postgres, making it
// when missing, and the superuser's password there.
func postgresTemplate(ctx context.Context, bin string, cred *syscall.Credential) (string, string, error) {
	version := filepath.Base(filepath.Dir(bin))
	tmpl := filepath.Join(CacheDir(), "postgres", "template-"+version)
	read := func() (string, string, error) {
		pw, err := os.ReadFile(filepath.Join(tmpl, postgresTemplatePassword))
		if err != nil {
			return "", "", err
		}
		return tmpl, strings.TrimSpace(string(pw)), nil
	}
	if t, pw, err := read(); err == nil {
		return t, pw, nil
	}
	// initdb runs as the server user, which cannot write in the cache
	// (often under /root): make the cluster in a run dir, then move it.
	work, err := NewRunDir()
	if err != nil {
		return "", "", err
	}
	defer os.RemoveAll(work)
	if cred != nil {
		if err := os.Chmod(work, 0o711); err != nil {
			return "", "", err
		}
	}
	data := filepath.Join(work, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		return "", "", err
	}
	pw := svcToken(12)
	pwfile := filepath.Join(work, "pwfile")
	if err := os.WriteFile(pwfile, []byte(pw+"\n"), 0o600); err != nil {
		return "", "", err
	}
	if err := svcChown(work, cred); err != nil {
		return "", "", err
	}
	err = svcRun(ctx, work, filepath.Join(bin, "initdb"), []string{
		"-D", data, "-U", "postgres", "--pwfile", pwfile,
		"--auth-host=scram-sha-256", "--auth-local=scram-sha-256",
		"-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions",
	}, []string{"LC_ALL=C"}, cred)
	if err != nil {
		return "", "", err
	}
	if err := os.WriteFile(filepath.Join(data, postgresTemplatePassword), []byte(pw+"\n"), 0o600); err != nil {
		return "", "", err
	}
	if err := os.MkdirAll(filepath.Dir(tmpl), 0o755); err != nil {
		return "", "", err
	}
	staging := tmpl + ".tmp-" + strconv.Itoa(os.Getpid())
	_ = os.RemoveAll(staging)
	if err := svcCopyTree(data, staging); err != nil {
		return "", "", err
	}
	if err := os.Rename(staging, tmpl); err != nil {
		// Another process made it meanwhile: use theirs.
		_ = os.RemoveAll(staging)
	}
	return read()
}

// postgresStop asks for a fast shutdown (SIGINT to the postmaster: clients
// are disconnected), then falls back to Proc.Stop.
func postgresStop(p *Proc) {
	if p.Exited() {
		return
	}
	_ = syscall.Kill(p.Pid(), syscall.SIGINT)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
	}
	p.Stop(2 * time.Second)
}

func pgIdent(s string) string   { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
func pgLiteral(s string) string { return `'` + strings.ReplaceAll(s, `'`, `''`) + `'` }

// Pids returns the process id of the postmaster (its process group id too;
// the backends are in that group).
func (p *Postgres) Pids() []int {
	if p.proc == nil {
		return nil
	}
	return []int{p.proc.Pid()}
}

// Stop shuts postgres down and removes its directory. It may be called more
// than once.
func (p *Postgres) Stop() { p.once.Do(p.stop.Stop) }

// NewTestPostgres starts PostgreSQL for t and stops it at the end of t.
func NewTestPostgres(t testing.TB, opts PostgresOptions) *Postgres {
	t.Helper()
	return startForTest(t, "PostgreSQL", startTimeout, func(ctx context.Context) (*Postgres, error) { return StartPostgres(ctx, opts) })
}
