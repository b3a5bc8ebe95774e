// Package verify proves an installed Harbor works end to end (Run) and sets
// up its day-one state (Setup): projects, LDAP group members, robots and
// replication from the old registry. install calls both at its end, the
// wizard shows their findings on its last screen, and `harbor-installer
// verify` runs them on their own. Every check is a steps.Finding with the
// answer key it proves, what was seen and the fix.
package verify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/harborapi"
	"github.com/harbor-installer/harbor-installer/kube"
	"github.com/harbor-installer/harbor-installer/steps"
)

// StepName is the Step of every finding verify makes.
const StepName = "verify"

// Cluster is what verify reads from Kubernetes; *kube.Client fits.
type Cluster interface {
	// Velero reads Velero's BackupStorageLocations and Schedules.
	Velero(ctx context.Context, namespace string) (*kube.VeleroState, error)
	// LastPodEvent is the newest event of the pods matching selector.
	LastPodEvent(ctx context.Context, namespace, selector string) (string, error)
	// SecretValue reads one key of a Secret ("" when absent): the MinIO
	// key the installer generated, for the bucket check.
	SecretValue(ctx context.Context, namespace, name, key string) (string, error)
}

var _ Cluster = (*kube.Client)(nil)

// Options tunes Run and Setup. The zero value works against a real install.
type Options struct {
	// Timeout bounds each single check (30s when zero).
	Timeout time.Duration
	// HealthWait is how long the health check waits for every component to
	// turn healthy (5m when zero).
	HealthWait time.Duration
	// Poll is the interval of the health and replication polls (2s when zero).
	Poll time.Duration
	// Resolve maps a host name to the address to dial instead ("ip" or
	// "ip:port"), as if DNS pointed there (--resolve HOST:ADDRESS).
	Resolve map[string]string
	// S3Endpoint, when set, is the URL this machine reaches the blob store
	// at (an in-cluster MinIO through a port-forward or a NodePort); it
	// replaces the answers' endpoint for the bucket check only.
	S3Endpoint string
	// Cluster reads backups and events; nil when the cluster is unreachable.
	Cluster Cluster
	// ClusterErr says why Cluster is nil.
	ClusterErr error
	// Nodes, when set, lets AfterInstall tell a simulated cluster (kwok
	// fake nodes) from a real one; *kube.Client fits.
	Nodes NodeLister
	// SecretsDir is where Setup writes robot secrets ("." when empty).
	SecretsDir string
	// ReplicationWait bounds how long Setup follows a started replication
	// run (30m when zero).
	ReplicationWait time.Duration
	// KeepProbe leaves the storage check's project and image in Harbor.
	KeepProbe bool
}

func (o *Options) timeout() time.Duration {
	if o.Timeout <= 0 {
		return 30 * time.Second
	}
	return o.Timeout
}

func (o *Options) poll() time.Duration {
	if o.Poll <= 0 {
		return 2 * time.Second
	}
	return o.Poll
}

// ParseResolve reads --resolve values, HOST:ADDRESS with ADDRESS an IP or
// IP:PORT ([v6]:port for IPv6).
func ParseResolve(vals []string) (map[string]string, error) {
	out := map[string]string{}
	for _, v := range vals {
		host, addr, ok := strings.Cut(v, ":")
		if !ok || host == "" || addr == "" {
			return nil, fmt.Errorf("--resolve %q: want HOST:ADDRESS, e.g. registry.example.org:127.0.0.1:8443", v)
		}
		ip := addr
		if h, _, err := net.SplitHostPort(addr); err == nil {
			ip = h
		}
		if net.ParseIP(strings.Trim(ip, "[]")) == nil {
			return nil, fmt.Errorf("--resolve %q: %s is not an IP address (with an optional :port)", v, addr)
		}
		out[strings.ToLower(host)] = addr
	}
	return out, nil
}

// dialer dials with the Resolve overrides.
func (o *Options) dialer() func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: o.timeout()}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err == nil {
			if to, ok := o.Resolve[strings.ToLower(host)]; ok {
				if _, _, err := net.SplitHostPort(to); err == nil {
					addr = to
				} else {
					addr = net.JoinHostPort(strings.Trim(to, "[]"), port)
				}
			}
		}
		return d.DialContext(ctx, network, addr)
	}
}

// harborTLS trusts tls.caFile (system roots when empty).
func harborTLS(a *answers.Answers) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if a.TLS.CAFile != "" {
		pool, err := readPool(a.TLS.CAFile)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

func readPool(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return pool, nil
}

// transport is the HTTP transport to Harbor: the answers' CA, the
// --resolve dialer, no proxy.
func (o *Options) transport(tlsCfg *tls.Config) *http.Transport {
	return &http.Transport{TLSClientConfig: tlsCfg, DialContext: o.dialer(), Proxy: nil, ForceAttemptHTTP2: true,
		TLSHandshakeTimeout: o.timeout(), ResponseHeaderTimeout: o.timeout()}
}

// adminClient is a Harbor API client as admin through externalURL.
func adminClient(a *answers.Answers, o *Options) (*harborapi.Client, *tls.Config, error) {
	pass, err := a.Harbor.AdminPassword.Resolve()
	if err != nil {
		return nil, nil, fmt.Errorf("harbor.adminPassword (%s) cannot be read: %v", a.Harbor.AdminPassword, err)
	}
	tlsCfg, err := harborTLS(a)
	if err != nil {
		return nil, nil, fmt.Errorf("tls.caFile: %v", err)
	}
	c, err := harborapi.New(a.ExternalURL(), harborapi.Options{Username: "admin", Password: pass, TLS: tlsCfg, Timeout: o.timeout(), Dial: o.dialer()})
	return c, tlsCfg, err
}

// finding makes a finding of this step.
func finding(level steps.Level, key, seen, hint string) steps.Finding {
	return steps.Finding{Step: StepName, Key: key, Level: level, Seen: seen, Hint: hint, Live: true}
}

func okf(key, seen string) steps.Finding { return finding(steps.OK, key, seen, "") }
func failf(key, seen, hint string) steps.Finding {
	return finding(steps.Fail, key, seen, hint)
}
func warnf(key, seen, hint string) steps.Finding {
	return finding(steps.Warn, key, seen, hint)
}

// collector gathers findings and reports each as it is made.
type collector struct {
	report func(steps.Finding)
	out    []steps.Finding
}

func (c *collector) add(fs ...steps.Finding) {
	for _, f := range fs {
		c.out = append(c.out, f)
		if c.report != nil {
			c.report(f)
		}
	}
}
