package kube

import (
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
)

// FieldManager is the server-side apply field manager of everything the
// installer applies itself (Secrets, plan objects).
const FieldManager = "harbor-installer"

// ManagedByLabel and ManagedByValue mark the installer's own Secrets.
const (
	ManagedByLabel = "app.kubernetes.io/managed-by"
	ManagedByValue = "harbor-installer"
)

// BackendOptions tune a Backend. The zero value is ready to use.
type BackendOptions struct {
	// Logf receives Helm's debug lines and the backend's own notes; nil
	// drops them. Nothing logged holds Secret data or values.
	Logf func(format string, args ...any)
	// RequestTimeout bounds each single API request the backend makes
	// outside watches (default: the client's timeout, at least 30s, since
	// an install's requests are larger than a probe's).
	RequestTimeout time.Duration
	// HelmDriver is Helm's storage driver; only "secret" (the default, like
	// helm itself) is supported today.
	HelmDriver string
}

// Backend is the Kubernetes and Helm side of the install engine: it
// implements install.Cluster, install.Releases and install.Watcher
// structurally (kube does not import install; kube_test checks the fit).
// It is safe for concurrent use: the engine runs releases side by side.
type Backend struct {
	opts BackendOptions
	// cs and dyn bound each request by RequestTimeout; watchCS and
	// watchDyn have no client-side timeout (watches and Helm's hook waits
	// are long requests) and are bounded by their contexts.
	cs       kubernetes.Interface
	dyn      dynamic.Interface
	watchCS  kubernetes.Interface
	watchDyn dynamic.Interface
	// cfg is the timeout-free REST config Helm uses; nil with fake
	// clients, where Helm actions report that they need one.
	cfg    *rest.Config
	disco  discovery.CachedDiscoveryInterface
	mapper meta.ResettableRESTMapper

	helmMu sync.Mutex // guards helm settings and registry client creation
}

// NewBackend builds a Backend on client. With a client from Connect or
// NewForConfig it derives timeout-free clients for watches and Helm (the
// probe client's 5 s request timeout would cut every watch); with
// NewForClients (fakes) it uses the given clients, and Helm actions report
// that they need a REST config.
func NewBackend(client *Client, opts BackendOptions) (*Backend, error) {
	if client == nil {
		return nil, fmt.Errorf("kube backend: no client")
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = client.Timeout
		if opts.RequestTimeout < 30*time.Second {
			opts.RequestTimeout = 30 * time.Second
		}
	}
	if opts.HelmDriver == "" {
		opts.HelmDriver = "secret"
	}
	if opts.HelmDriver != "secret" && opts.HelmDriver != "secrets" {
		return nil, fmt.Errorf("kube backend: Helm storage driver %q is not supported (use secret)", opts.HelmDriver)
	}
	b := &Backend{opts: opts, cs: client.Clientset, dyn: client.Dynamic,
		watchCS: client.Clientset, watchDyn: client.Dynamic}
	if client.Config != nil {
		var err error
		if b.cs, b.dyn, err = clientsFor(client.Config, opts.RequestTimeout); err != nil {
			return nil, err
		}
		if b.watchCS, b.watchDyn, err = clientsFor(client.Config, 0); err != nil {
			return nil, err
		}
		b.cfg = rest.CopyConfig(client.Config)
		b.cfg.Timeout = 0
	}
	if b.cs == nil || b.dyn == nil {
		return nil, fmt.Errorf("kube backend: the client needs both a typed and a dynamic client")
	}
	b.disco = memory.NewMemCacheClient(b.cs.Discovery())
	b.mapper = restmapper.NewDeferredDiscoveryRESTMapper(b.disco)
	return b, nil
}

// resetMapper forgets the cached API discovery so that kinds whose CRDs
// appeared since (an operator's release installs them) resolve.
func (b *Backend) resetMapper() {
	b.disco.Invalidate()
	b.mapper.Reset()
}

// clientsFor builds typed and dynamic clients whose requests time out
// after timeout (0: never; for watches).
func clientsFor(base *rest.Config, timeout time.Duration) (kubernetes.Interface, dynamic.Interface, error) {
	cfg := rest.CopyConfig(base)
	cfg.Timeout = timeout
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("kube backend: kubernetes client: %w", err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("kube backend: dynamic client: %w", err)
	}
	return cs, dyn, nil
}

// ConnectBackend connects to a cluster the way Connect does (kubeconfig
// path or KUBECONFIG or ~/.kube/config, and a context; "" for the current
// one) and returns a Backend on it: the CLI's one call. Errors are Connect's
// (*ConfigError names the answer at fault).
func ConnectBackend(kubeconfig, kubeContext string, timeout time.Duration, opts BackendOptions) (*Backend, error) {
	c, err := Connect(kubeconfig, kubeContext, timeout)
	if err != nil {
		return nil, err
	}
	return NewBackend(c, opts)
}
