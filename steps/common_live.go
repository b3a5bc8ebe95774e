package steps

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/kube"
)

// DefaultTimeout bounds each network operation of the live checks when
// Env.Timeout is not set.
const DefaultTimeout = 5 * time.Second

// NewEnv builds the environment of the live checks: it connects to the
// cluster the answers name (client-go loading rules) and asks for its
// version; when that fails Cluster stays nil and ClusterErr says why. DNS
// goes to net.DefaultResolver.
func NewEnv(ctx context.Context, a *answers.Answers, timeout time.Duration) *Env {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	env := &Env{Timeout: timeout, Resolver: net.DefaultResolver}
	c, err := kube.Connect(a.Cluster.Kubeconfig, a.Cluster.Context, timeout)
	if err != nil {
		env.ClusterErr = err
		return env
	}
	if _, err := c.Ping(ctx); err != nil {
		env.ClusterErr = err
		return env
	}
	env.Cluster = c
	return env
}

// LiveChecks returns each step's live check by step name. Step.Check
// carries the same functions; this map serves callers that run the checks
// of one step by name.
func LiveChecks() map[string]func(context.Context, *answers.Answers, *Env) []Finding {
	m := map[string]func(context.Context, *answers.Answers, *Env) []Finding{}
	for _, s := range All() {
		if s.Check != nil {
			m[s.Name] = s.Check
		}
	}
	return m
}

// timeout is env.Timeout or the default.
func (e *Env) timeout() time.Duration {
	if e == nil || e.Timeout <= 0 {
		return DefaultTimeout
	}
	return e.Timeout
}

// op bounds one network operation by the env's timeout.
func (e *Env) op(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, e.timeout())
}

// noCluster is the finding a cluster-bound check gives when the cluster
// could not be reached; the cluster step reports why.
func noCluster(key string) []Finding {
	return []Finding{warn(key, "not checked: the cluster is not reachable", "fix the cluster step first")}
}

// errText shortens an error for a finding: the innermost useful message,
// with timeouts said plainly.
func errText(err error, timeout time.Duration) string {
	if err == nil {
		return ""
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return fmt.Sprintf("no answer within %s (%v)", timeout, err)
	}
	return err.Error()
}

// isTimeout reports a timed-out operation.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// certErrorKind sorts TLS verification errors: "authority" (unknown CA),
// "hostname" (name not in the certificate), "invalid" (expired and the
// like), or "" for errors that are not about the certificate.
func certErrorKind(err error) string {
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	var ve *tls.CertificateVerificationError
	switch {
	case errors.As(err, &ua):
		return "authority"
	case errors.As(err, &he):
		return "hostname"
	case errors.As(err, &ci):
		return "invalid"
	case errors.As(err, &ve):
		return certErrorKind(ve.Err)
	}
	// Some libraries flatten the error to text.
	s := err.Error()
	switch {
	case strings.Contains(s, "certificate signed by unknown authority"):
		return "authority"
	case strings.Contains(s, "certificate is valid for"), strings.Contains(s, "doesn't contain any IP SANs"):
		return "hostname"
	case strings.Contains(s, "certificate has expired"), strings.Contains(s, "x509:"):
		return "invalid"
	}
	return ""
}

// caPool reads a PEM CA bundle; an empty path gives nil (system roots).
func caPool(path string) (*x509.CertPool, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read CA file: %w", unwrap(err))
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return pool, nil
}

// resolveSecret reads a secret reference for a live check. The error names
// the reference (env:NAME, file:PATH), never the value.
func resolveSecret(ref answers.SecretRef) (string, error) {
	v, err := ref.Resolve()
	if err != nil {
		return "", fmt.Errorf("%s cannot be read: %v", ref, err)
	}
	return v, nil
}
