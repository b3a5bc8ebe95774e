// Package kube holds every call harbor-installer makes to Helm and the
// Kubernetes API, so that the rest of the installer depends on neither
// directly (Helm 3 gets security fixes only until February 2027).
package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/cli"
	helmkube "helm.sh/helm/v3/pkg/kube"
	"helm.sh/helm/v3/pkg/registry"
	"helm.sh/helm/v3/pkg/release"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/cli-runtime/pkg/genericclioptions"
)

// RESTClientGetter is how Helm reaches a cluster; KubeconfigGetter makes one
// from a kubeconfig file.
type RESTClientGetter = genericclioptions.RESTClientGetter

// KubeconfigGetter returns a RESTClientGetter for a kubeconfig file, its
// context (empty for the current one) and a default namespace.
func KubeconfigGetter(kubeconfig, context, namespace string) RESTClientGetter {
	return helmkube.GetConfig(kubeconfig, context, namespace)
}

// Chart says where a chart comes from. Ref is one of: a chart name in the
// classic repository RepoURL, an oci:// reference (the tag is Version), or
// the path of a chart directory or .tgz.
type Chart struct {
	Ref     string
	RepoURL string
	// Version pins the chart version; empty takes the newest.
	Version string
	// PlainHTTP talks plain HTTP to an OCI registry (loopback tests).
	PlainHTTP bool
	// CAFile, InsecureSkipTLSVerify, Username and Password configure the
	// repository or registry connection.
	CAFile                string
	InsecureSkipTLSVerify bool
	Username, Password    string
}

func (c Chart) String() string {
	s := c.Ref
	if c.RepoURL != "" {
		s = strings.TrimSuffix(c.RepoURL, "/") + "/" + c.Ref
	}
	if c.Version != "" {
		s += "@" + c.Version
	}
	return s
}

// InstallChart installs chart as releaseName in namespace, creating the
// namespace when missing, and waits up to timeout for its resources to be
// ready and its Jobs and hooks to complete. It returns the release, which
// on a failed wait is returned with the error and has status failed.
func InstallChart(ctx context.Context, getter RESTClientGetter, namespace, releaseName string, chart Chart, values map[string]any, timeout time.Duration) (*release.Release, error) {
	if chart.Ref == "" {
		return nil, errors.New("install: no chart given")
	}
	// Helm's downloader keeps repository indexes and credentials in files;
	// a private directory keeps the user's Helm setup out of it.
	tmp, err := os.MkdirTemp("", "harbor-installer-helm-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	settings := cli.New()
	settings.RepositoryCache = filepath.Join(tmp, "cache")
	settings.RepositoryConfig = filepath.Join(tmp, "repositories.yaml")
	settings.RegistryConfig = filepath.Join(tmp, "registry.json")
	settings.PluginsDirectory = filepath.Join(tmp, "plugins")

	regOpts := []registry.ClientOption{registry.ClientOptWriter(io.Discard),
		registry.ClientOptCredentialsFile(settings.RegistryConfig)}
	if chart.PlainHTTP {
		regOpts = append(regOpts, registry.ClientOptPlainHTTP())
	}
	if chart.Username != "" {
		regOpts = append(regOpts, registry.ClientOptBasicAuth(chart.Username, chart.Password))
	}
	regClient, err := registry.NewClient(regOpts...)
	if err != nil {
		return nil, fmt.Errorf("install %s: registry client: %w", releaseName, err)
	}

	refreshDiscovery(getter)
	cfg := new(action.Configuration)
	if err := cfg.Init(getter, namespace, "secret", func(string, ...any) {}); err != nil {
		return nil, fmt.Errorf("install %s: %w", releaseName, err)
	}
	cfg.RegistryClient = regClient

	install := action.NewInstall(cfg)
	install.SetRegistryClient(regClient)
	install.Namespace = namespace
	install.ReleaseName = releaseName
	install.CreateNamespace = true
	install.Wait = true
	install.WaitForJobs = true
	install.Timeout = timeout
	install.Version = chart.Version
	install.RepoURL = chart.RepoURL
	install.PlainHTTP = chart.PlainHTTP
	install.CaFile = chart.CAFile
	install.InsecureSkipTLSverify = chart.InsecureSkipTLSVerify
	install.Username = chart.Username
	install.Password = chart.Password

	path, err := install.LocateChart(chart.Ref, settings)
	if err != nil {
		return nil, fmt.Errorf("install %s: locate chart %s: %w", releaseName, chart, err)
	}
	ch, err := loader.Load(path)
	if err != nil {
		return nil, fmt.Errorf("install %s: load chart %s: %w", releaseName, chart, err)
	}
	if deps := ch.Metadata.Dependencies; len(deps) > 0 {
		if err := action.CheckDependencies(ch, deps); err != nil {
			return nil, fmt.Errorf("install %s: chart %s: %w", releaseName, chart, err)
		}
	}
	if values == nil {
		values = map[string]any{}
	}
	rel, err := install.RunWithContext(ctx, ch, values)
	if err != nil {
		return rel, fmt.Errorf("install %s (chart %s) in %s: %w", releaseName, chart, namespace, err)
	}
	return rel, nil
}

// refreshDiscovery drops the getter's cached API discovery (kept on disk for
// hours by kubeconfig getters), so that kinds whose CRDs appeared since, made
// by an operator or an earlier step, resolve.
func refreshDiscovery(getter RESTClientGetter) {
	if dc, err := getter.ToDiscoveryClient(); err == nil {
		dc.Invalidate()
	}
	if m, err := getter.ToRESTMapper(); err == nil {
		if r, ok := m.(meta.ResettableRESTMapper); ok {
			r.Reset()
		}
	}
}
