package steps

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/version"

	"github.com/harbor-installer/harbor-installer/kube"
)

// ClusterProber is what live checks ask of the Kubernetes cluster. The
// kube package implements it with client-go (*kube.Client); tests use the
// harness cluster or kube.NewForClients over client-go's fakes. Getters
// return nil and no error for objects that do not exist.
type ClusterProber interface {
	// ServerVersion is the API server's version.
	ServerVersion(ctx context.Context) (*version.Info, error)
	// CanI asks whether the current user may do one thing.
	CanI(ctx context.Context, a kube.Access) (bool, error)
	// HelmRelease is the newest revision of a release, or nil.
	HelmRelease(ctx context.Context, namespace, name string) (*kube.HelmRelease, error)
	Namespace(ctx context.Context, name string) (*corev1.Namespace, error)
	Secret(ctx context.Context, namespace, name string) (*corev1.Secret, error)
	IngressClass(ctx context.Context, name string) (*networkingv1.IngressClass, error)
	// IngressNginxLoadBalancers are ingress-nginx's LoadBalancer Services.
	IngressNginxLoadBalancers(ctx context.Context) ([]kube.LoadBalancer, error)
	StorageClass(ctx context.Context, name string) (*storagev1.StorageClass, error)
	DefaultStorageClasses(ctx context.Context) ([]storagev1.StorageClass, error)
	CSIDriver(ctx context.Context, name string) (*storagev1.CSIDriver, error)
	Nodes(ctx context.Context) ([]corev1.Node, error)
	// Trident reports an existing Trident installation.
	Trident(ctx context.Context) (*kube.TridentInstall, error)
}

var _ ClusterProber = (*kube.Client)(nil)
