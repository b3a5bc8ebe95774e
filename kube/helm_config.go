package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/cli"
	helmkube "helm.sh/helm/v3/pkg/kube"
	"helm.sh/helm/v3/pkg/registry"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/repo"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"

	"github.com/harbor-installer/harbor-installer/kube/model"
)

// errNoRESTConfig: Helm builds its own clients from a REST config, which
// a Client made of fakes does not have.
var errNoRESTConfig = errors.New("Helm actions need a client made by Connect or NewForConfig (no REST config)")

// storageFor is Helm's release storage of a namespace: the Secrets driver
// (sh.helm.release.v1.<name>.v<revision>), exactly what helm itself reads.
func (b *Backend) storageFor(namespace string) *storage.Storage {
	d := driver.NewSecrets(b.cs.CoreV1().Secrets(namespace))
	d.Log = b.opts.Logf
	return storage.Init(d)
}

// actionConfig is the configuration of one Helm action in namespace: Helm's
// kube client behind the stop switch, the Secrets storage (observed, so
// onCreate sees each new revision as Helm records it), no hook output.
func (b *Backend) actionConfig(namespace string, stop context.Context, keepPVCs bool, onCreate func(*release.Release)) (*action.Configuration, error) {
	if b.cfg == nil {
		return nil, errNoRESTConfig
	}
	getter := &configGetter{cfg: b.cfg, disco: b.disco, mapper: &freshMapper{inner: b.mapper, reset: b.resetMapper}, namespace: namespace}
	kc := helmkube.New(getter)
	kc.Namespace = namespace
	kc.Log = b.opts.Logf
	store := b.storageFor(namespace)
	if onCreate != nil {
		store = storage.Init(&observedDriver{Driver: store.Driver, onCreate: onCreate})
	}
	cfg := &action.Configuration{
		RESTClientGetter: getter,
		KubeClient:       &stoppableKube{Client: kc, stop: stop, keepPVCs: keepPVCs},
		Releases:         store,
		Log:              b.opts.Logf,
	}
	cfg.SetHookOutputFunc(func(_, _, _ string) io.Writer { return io.Discard })
	return cfg, nil
}

// observedDriver tells onCreate about every revision Helm stores: that is
// the moment the rendered manifest is final and before any object changes.
type observedDriver struct {
	driver.Driver
	onCreate func(*release.Release)
}

func (d *observedDriver) Create(key string, rls *release.Release) error {
	if err := d.Driver.Create(key, rls); err != nil {
		return err
	}
	d.onCreate(rls)
	return nil
}

// helmSettings reads Helm's environment as the helm CLI does
// (HELM_CACHE_HOME, HELM_CONFIG_HOME, HELM_REPOSITORY_CONFIG,
// HELM_REPOSITORY_CACHE, HELM_REGISTRY_CONFIG), at each call so that a
// changed environment (tests) is seen.
func helmSettings() *cli.EnvSettings {
	return cli.New()
}

// registryClient is an OCI registry client that logs in with the
// credentials `helm registry login` saved in HELM_REGISTRY_CONFIG.
func registryClient(settings *cli.EnvSettings, plainHTTP bool) (*registry.Client, error) {
	opts := []registry.ClientOption{
		registry.ClientOptWriter(io.Discard),
		registry.ClientOptCredentialsFile(settings.RegistryConfig),
		registry.ClientOptEnableCache(true),
	}
	if plainHTTP {
		opts = append(opts, registry.ClientOptPlainHTTP())
	}
	c, err := registry.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("OCI registry client: %w", err)
	}
	return c, nil
}

// chartString names a chart source for messages: repo/name@version.
func chartString(c model.ChartSource) string {
	s := c.Ref
	if c.RepoURL != "" {
		s = strings.TrimSuffix(c.RepoURL, "/") + "/" + c.Ref
	}
	if c.Version != "" {
		s += "@" + c.Version
	}
	return s
}

// loadChart fetches and loads a chart: a chart name in an https (or, on
// loopback, http) repository RepoURL, an oci:// reference (tag = Version),
// or a local directory or .tgz. Downloads land in Helm's cache
// (HELM_CACHE_HOME); repository indexes fetched for RepoURL too.
func (b *Backend) loadChart(src model.ChartSource) (*chart.Chart, *registry.Client, error) {
	if src.Ref == "" {
		return nil, nil, errors.New("no chart given (chart ref is empty)")
	}
	// One chart fetch at a time: Helm writes repository indexes and
	// downloaded charts to fixed names in its cache, and two releases from
	// one repository fetched side by side would write the same files.
	b.helmMu.Lock()
	defer b.helmMu.Unlock()
	settings := helmSettings()
	reg, err := registryClient(settings, src.PlainHTTP)
	if err != nil {
		return nil, nil, err
	}
	locator := action.NewInstall(&action.Configuration{RegistryClient: reg})
	locator.Version = src.Version
	locator.RepoURL = src.RepoURL
	locator.PlainHTTP = src.PlainHTTP
	if e := repoEntry(settings.RepositoryConfig, src.RepoURL); e != nil {
		// `helm repo add --username ... --ca-file ...` saved how to reach it.
		locator.Username, locator.Password = e.Username, e.Password
		locator.CertFile, locator.KeyFile, locator.CaFile = e.CertFile, e.KeyFile, e.CAFile
		locator.InsecureSkipTLSverify, locator.PassCredentialsAll = e.InsecureSkipTLSverify, e.PassCredentialsAll
	}
	path, err := locator.LocateChart(src.Ref, settings)
	if err != nil {
		return nil, nil, fmt.Errorf("locate chart %s: %w", chartString(src), err)
	}
	ch, err := loader.Load(path)
	if err != nil {
		return nil, nil, fmt.Errorf("load chart %s: %w", chartString(src), err)
	}
	if deps := ch.Metadata.Dependencies; len(deps) > 0 {
		if err := action.CheckDependencies(ch, deps); err != nil {
			return nil, nil, fmt.Errorf("chart %s: %w", chartString(src), err)
		}
	}
	if src.Version != "" && ch.Metadata.Version != src.Version && !strings.HasPrefix(src.Ref, "oci://") && src.RepoURL == "" {
		return nil, nil, fmt.Errorf("chart %s is version %s, not the %s asked for", src.Ref, ch.Metadata.Version, src.Version)
	}
	return ch, reg, nil
}

// repoEntry finds the repository a user added with `helm repo add` for
// url in HELM_REPOSITORY_CONFIG (nil when none or no file): its
// credentials and TLS files apply to charts fetched from that URL.
func repoEntry(repoConfig, url string) *repo.Entry {
	if url == "" {
		return nil
	}
	f, err := repo.LoadFile(repoConfig)
	if err != nil {
		return nil
	}
	want := strings.TrimSuffix(url, "/")
	for _, e := range f.Repositories {
		if e != nil && strings.TrimSuffix(e.URL, "/") == want {
			return e
		}
	}
	return nil
}
