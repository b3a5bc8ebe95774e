package kube

import (
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// configGetter is the RESTClientGetter Helm needs, made from the backend's
// own REST config and discovery, so that Helm and the backend share one
// connection setup and one discovery cache (a reset after CRDs appear
// serves both).
type configGetter struct {
	cfg       *rest.Config
	disco     discovery.CachedDiscoveryInterface
	mapper    meta.RESTMapper
	namespace string
}

func (g *configGetter) ToRESTConfig() (*rest.Config, error) { return rest.CopyConfig(g.cfg), nil }
func (g *configGetter) ToDiscoveryClient() (discovery.CachedDiscoveryInterface, error) {
	return g.disco, nil
}
func (g *configGetter) ToRESTMapper() (meta.RESTMapper, error) { return g.mapper, nil }
func (g *configGetter) ToRawKubeConfigLoader() clientcmd.ClientConfig {
	return &fixedClientConfig{cfg: g.cfg, namespace: g.namespace}
}

// fixedClientConfig answers kubeconfig questions from a REST config: Helm
// asks it only for the default namespace and the REST config.
type fixedClientConfig struct {
	cfg       *rest.Config
	namespace string
}

func (f *fixedClientConfig) RawConfig() (clientcmdapi.Config, error) {
	return *clientcmdapi.NewConfig(), nil
}
func (f *fixedClientConfig) ClientConfig() (*rest.Config, error) { return rest.CopyConfig(f.cfg), nil }
func (f *fixedClientConfig) Namespace() (string, bool, error) {
	if f.namespace == "" {
		return "default", false, nil
	}
	return f.namespace, true, nil
}
func (f *fixedClientConfig) ConfigAccess() clientcmd.ConfigAccess {
	return clientcmd.NewDefaultClientConfigLoadingRules()
}
