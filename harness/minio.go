package harness

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// MinIOVersion is the MinIO server that hack/build-tools.sh builds and pins
// (MinIO publishes only pseudo-versions). Keep the two in step.
const MinIOVersion = "v0.0.0-20260212201848-7aac2a2c5b7c"

// MinIOOptions configures StartMinIO. The zero value is fine.
type MinIOOptions struct {
	Dir     string  // parent directory; a new harness run dir when empty
	Version string  // MinIOVersion when empty
	TLS     bool    // serve HTTPS with a certificate from CA
	CA      *TestCA // with TLS; a new CA in the run dir when nil
	// RootUser and RootPassword are generated when empty.
	RootUser     string
	RootPassword string
}

// MinIO is a running single-drive MinIO server on loopback.
type MinIO struct {
	Endpoint        string // http://127.0.0.1:P or https://127.0.0.1:P
	Addr            string // 127.0.0.1:P, what minio-go's New takes
	Secure          bool   // Endpoint is https
	ConsoleEndpoint string // http(s)://127.0.0.1:C
	RootUser        string // access key
	RootPassword    string // secret key
	Region          string // us-east-1, MinIO's default
	CAFile          string // PEM of the CA with TLS, "" without
	CA              *TestCA

	Dir  string
	proc *Proc
	stop Stopper
	once sync.Once
}

// minioEnv keeps MinIO quiet and offline: no update checks, no call home, no
// anonymous usage reports.
func minioEnv(user, password string) []string {
	return []string{
		"MINIO_ROOT_USER=" + user,
		"MINIO_ROOT_PASSWORD=" + password,
		"MINIO_UPDATE=off",
		"MINIO_CALLHOME_ENABLE=off",
		"MINIO_BROWSER_LOGIN_ANIMATION=off",
		"MINIO_REGION=us-east-1",
		// Test data lives on the root drive; MinIO refuses that outside CI mode.
		"MINIO_CI_CD=on",
	}
}

// StartMinIO starts the MinIO server built by `make tools` with its data in
// a run directory, and returns once /minio/health/ready answers 200.
func StartMinIO(ctx context.Context, opts MinIOOptions) (_ *MinIO, err error) {
	version := opts.Version
	if version == "" {
		version = MinIOVersion
	}
	bin, err := ToolPath("minio", version)
	if err != nil {
		return nil, fmt.Errorf("minio: %w", err)
	}
	dir, rm, err := svcRunDir(opts.Dir, "minio")
	if err != nil {
		return nil, err
	}
	m := &MinIO{Dir: dir, RootUser: opts.RootUser, RootPassword: opts.RootPassword, Region: "us-east-1", Secure: opts.TLS}
	if m.RootUser == "" {
		m.RootUser = "harness-" + svcToken(4)
	}
	if m.RootPassword == "" {
		m.RootPassword = svcToken(16)
	}
	m.stop.Add(rm)
	defer func() {
		if err != nil {
			m.Stop()
		}
	}()

	data := filepath.Join(dir, "data")
	certs := filepath.Join(dir, "certs")
	for _, d := range []string{data, filepath.Join(certs, "CAs")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("minio: %w", err)
		}
	}
	client := &http.Client{Timeout: 2 * time.Second}
	scheme := "http"
	if opts.TLS {
		ca := opts.CA
		if ca == nil {
			if ca, err = NewTestCA(dir); err != nil {
				return nil, err
			}
		}
		m.CA, m.CAFile = ca, ca.CertFile
		sc, err := ca.IssueServer()
		if err != nil {
			return nil, err
		}
		// MinIO reads public.crt and private.key from its certs directory
		// and trusts the CAs in certs/CAs.
		for src, dst := range map[string]string{
			sc.CertFile: filepath.Join(certs, "public.crt"),
			sc.KeyFile:  filepath.Join(certs, "private.key"),
			sc.CAFile:   filepath.Join(certs, "CAs", "ca.crt"),
		} {
			b, err := os.ReadFile(src)
			if err == nil {
				err = os.WriteFile(dst, b, 0o600)
			}
			if err != nil {
				return nil, fmt.Errorf("minio: %w", err)
			}
		}
		scheme = "https"
		client.Transport = &http.Transport{TLSClientConfig: ca.ClientTLS("127.0.0.1"), Proxy: nil}
	} else {
		client.Transport = &http.Transport{Proxy: nil}
	}
	defer client.CloseIdleConnections()

	for attempt := 0; ; attempt++ {
		ports, err := svcPorts(2)
		if err != nil {
			return nil, err
		}
		m.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
		console := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[1]))
		m.Endpoint = scheme + "://" + m.Addr
		m.ConsoleEndpoint = scheme + "://" + console
		p, err := StartProc(dir, "minio", bin, []string{
			"server", data,
			"--address", m.Addr,
			"--console-address", console,
			"--certs-dir", certs,
			"--quiet", "--anonymous",
		}, minioEnv(m.RootUser, m.RootPassword))
		if err != nil {
			return nil, fmt.Errorf("minio: %w", err)
		}
		err = p.WaitTCP(ctx, m.Addr)
		if err == nil {
			m.proc = p
			m.stop.Add(func() { p.Stop(10 * time.Second) })
			break
		}
		p.Stop(time.Second)
		if attempt >= 2 || ctx.Err() != nil || !strings.Contains(p.LogTail(4000), "already in use") {
			return nil, fmt.Errorf("minio: %w", err)
		}
	}
	if err := svcWaitFor(ctx, m.proc, "minio ready", func() error {
		resp, err := client.Get(m.Endpoint + "/minio/health/ready")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("/minio/health/ready: %s: %w", resp.Status, errNotReady)
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("minio: %w", err)
	}
	return m, nil
}

// ClientTLS returns a TLS configuration trusting the server's CA (nil
// without TLS).
func (m *MinIO) ClientTLS() *tls.Config {
	if m.CA == nil {
		return nil
	}
	return m.CA.ClientTLS("127.0.0.1")
}

// Pids returns the process id of the server.
func (m *MinIO) Pids() []int {
	if m.proc == nil {
		return nil
	}
	return []int{m.proc.Pid()}
}

// Stop stops MinIO and removes its directory. It may be called more than once.
func (m *MinIO) Stop() { m.once.Do(m.stop.Stop) }

// NewTestMinIO starts MinIO for t and stops it at the end of t. It fails t
// when the binary has not been built (`make tools`).
func NewTestMinIO(t testing.TB, opts MinIOOptions) *MinIO {
	t.Helper()
	return startForTest(t, "MinIO", startTimeout, func(ctx context.Context) (*MinIO, error) { return StartMinIO(ctx, opts) })
}
