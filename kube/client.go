// Package kube is the installer's only door to Kubernetes and Helm: loading
// kubeconfigs with client-go's rules, probing the cluster for the live
// checks, and installing releases. Nothing here knows about terminals.
// Keeping Helm behind this package matters: Helm 3 gets security fixes only
// until February 2027.
package kube

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"k8s.io/apimachinery/pkg/version"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// DefaultTimeout bounds one API request when Connect is given none.
const DefaultTimeout = 5 * time.Second

// Client is a connection to one cluster: the REST config it was made from
// and the typed and dynamic clients built on it.
type Client struct {
	// Config is the REST configuration (server, credentials, timeouts).
	Config *rest.Config
	// Clientset is the typed client.
	Clientset kubernetes.Interface
	// Dynamic reaches custom resources (TridentOrchestrator and kin).
	Dynamic dynamic.Interface
	// Context is the kubeconfig context in use ("" when not from a kubeconfig).
	Context string
	// Server is the API server URL.
	Server string
	// Timeout bounds each request.
	Timeout time.Duration
}

// ConfigError says the kubeconfig could not be turned into a client. Field is
// the answer it is about: "kubeconfig" (no file, unreadable, invalid) or
// "context" (the context is not in the file).
type ConfigError struct {
	Field string
	Err   error
}

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// UnreachableError says the API server did not answer.
type UnreachableError struct {
	Server string
	Err    error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("API server %s: %v", e.Server, e.Err)
}
func (e *UnreachableError) Unwrap() error { return e.Err }

// Connect builds a client the way kubectl does: client-go's loading rules
// (an explicit kubeconfig path, else KUBECONFIG, else ~/.kube/config), the
// given context or the file's current one, and exec credential plugins. It
// does not talk to the server; Ping does. Every request is bounded by timeout.
func Connect(kubeconfig, kubeContext string, timeout time.Duration) (*Client, error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	overrides := &clientcmd.ConfigOverrides{CurrentContext: kubeContext}
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	raw, err := cc.RawConfig()
	if err != nil {
		return nil, &ConfigError{Field: "kubeconfig", Err: fmt.Errorf("load kubeconfig: %w", err)}
	}
	ctxName := raw.CurrentContext
	if kubeContext != "" {
		ctxName = kubeContext
	}
	cfg, err := cc.ClientConfig()
	if err != nil {
		field := "kubeconfig"
		switch {
		case clientcmd.IsContextNotFound(err) || (kubeContext != "" && raw.Contexts[kubeContext] == nil):
			field = "context"
			err = fmt.Errorf("context %q is not in the kubeconfig (it has %s)", kubeContext, contextNames(raw.Contexts))
		case clientcmd.IsEmptyConfig(err):
			err = errors.New("no kubeconfig found (looked at the given path, KUBECONFIG and ~/.kube/config)")
		}
		return nil, &ConfigError{Field: field, Err: err}
	}
	c, err := NewForConfig(cfg, timeout)
	if err != nil {
		return nil, &ConfigError{Field: "kubeconfig", Err: err}
	}
	c.Context = ctxName
	return c, nil
}

func contextNames[V any](m map[string]V) string {
	if len(m) == 0 {
		return "no contexts"
	}
	s := ""
	for k := range m {
		if s != "" {
			s += ", "
		}
		s += k
	}
	return s
}

// NewForConfig builds a client from a REST config, bounding every request
// and TCP dial by timeout. It raises client-side rate limits so that the
// live checks, which run concurrently, are not throttled.
func NewForConfig(cfg *rest.Config, timeout time.Duration) (*Client, error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	cfg = rest.CopyConfig(cfg)
	cfg.Timeout = timeout
	if cfg.Dial == nil {
		cfg.Dial = (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext
	}
	if cfg.QPS < 50 {
		cfg.QPS = 50
	}
	if cfg.Burst < 100 {
		cfg.Burst = 100
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("kubernetes client: %w", err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("dynamic client: %w", err)
	}
	return &Client{Config: cfg, Clientset: cs, Dynamic: dyn, Server: cfg.Host, Timeout: timeout}, nil
}

// NewForClients wraps existing clients, e.g. client-go's fakes in tests.
func NewForClients(cs kubernetes.Interface, dyn dynamic.Interface, timeout time.Duration) *Client {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Client{Clientset: cs, Dynamic: dyn, Server: "fake", Timeout: timeout}
}

// Ping asks the server for its version, proving it answers and accepts the
// credentials, within the client's timeout.
func (c *Client) Ping(ctx context.Context) (*version.Info, error) {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	v, err := discovery.ToDiscoveryInterfaceWithContext(c.Clientset.Discovery()).ServerVersionWithContext(ctx)
	if err != nil {
		return nil, &UnreachableError{Server: c.Server, Err: err}
	}
	return v, nil
}
