package kube

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/version"
)

// Probes used by the live checks. Each bounds its requests by the client's
// timeout, returns nil (and no error) for an object that does not exist, and
// never changes the cluster.

// ServerVersion returns the API server's version.
func (c *Client) ServerVersion(ctx context.Context) (*version.Info, error) { return c.Ping(ctx) }

// Access is one permission the installation needs.
type Access struct {
	Verb     string
	Group    string // "" for the core group
	Resource string
	// Namespace is "" for cluster-scoped resources or all namespaces.
	Namespace string
}

func (a Access) String() string {
	r := a.Resource
	if a.Group != "" {
		r += "." + a.Group
	}
	if a.Namespace != "" {
		return a.Verb + " " + r + " in " + a.Namespace
	}
	return a.Verb + " " + r
}

// CanI asks the server whether the current user may do a, with a
// SelfSubjectAccessReview (what `kubectl auth can-i` does).
func (c *Client) CanI(ctx context.Context, a Access) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	r := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
		ResourceAttributes: &authorizationv1.ResourceAttributes{Verb: a.Verb, Group: a.Group, Resource: a.Resource, Namespace: a.Namespace},
	}}
	res, err := c.Clientset.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, r, metav1.CreateOptions{})
	if err != nil {
		return false, fmt.Errorf("can-i %s: %w", a, err)
	}
	return res.Status.Allowed, nil
}

// HelmRelease is the newest stored revision of a Helm release.
type HelmRelease struct {
	Name, Namespace string
	Revision        int
	// Status is Helm's: deployed, failed, pending-install, pending-upgrade,
	// pending-rollback, superseded, uninstalling, uninstalled.
	Status string
	// Chart and ChartVersion come from the stored release, when readable.
	Chart, ChartVersion string
}

// Pending reports a release another (interrupted) Helm operation holds.
func (r *HelmRelease) Pending() bool { return strings.HasPrefix(r.Status, "pending-") }

// HelmRelease reads the newest revision of release name in namespace with
// Helm's own Secret storage driver (the records Helm itself writes,
// sh.helm.release.v1.<name>.v<N>), so the decoding is Helm's and follows
// Helm's format; nil when there is none. Records Helm cannot decode are
// skipped, as Helm skips them.
func (c *Client) HelmRelease(ctx context.Context, namespace, name string) (*HelmRelease, error) {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	// The driver lists with context.Background(); the client's per-request
	// timeout bounds that call, and ctx bounds the wait for it here.
	type result struct {
		rels []*release.Release
		err  error
	}
	done := make(chan result, 1)
	go func() {
		rels, err := driver.NewSecrets(c.Clientset.CoreV1().Secrets(namespace)).Query(map[string]string{"name": name, "owner": "helm"})
		done <- result{rels, err}
	}()
	var res result
	select {
	case res = <-done:
	case <-ctx.Done():
		return nil, fmt.Errorf("read Helm release %s in %s: %w", name, namespace, ctx.Err())
	}
	if errors.Is(res.err, driver.ErrReleaseNotFound) {
		return nil, nil
	}
	if res.err != nil {
		return nil, fmt.Errorf("read Helm release %s in %s: %w", name, namespace, res.err)
	}
	var newest *release.Release
	for _, r := range res.rels {
		if newest == nil || r.Version > newest.Version {
			newest = r
		}
	}
	if newest == nil {
		return nil, nil
	}
	r := &HelmRelease{Name: name, Namespace: namespace, Revision: newest.Version}
	if newest.Info != nil {
		r.Status = newest.Info.Status.String()
	}
	if r.Status == "" {
		r.Status = newest.Labels["status"]
	}
	if newest.Chart != nil && newest.Chart.Metadata != nil {
		r.Chart, r.ChartVersion = newest.Chart.Metadata.Name, newest.Chart.Metadata.Version
	}
	return r, nil
}

// absent turns NotFound into (nil, nil).
func absent[T any](obj *T, err error) (*T, error) {
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return obj, nil
}

// Namespace returns the namespace, or nil.
func (c *Client) Namespace(ctx context.Context, name string) (*corev1.Namespace, error) {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	return absent(c.Clientset.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{}))
}

// Secret returns the Secret, or nil.
func (c *Client) Secret(ctx context.Context, namespace, name string) (*corev1.Secret, error) {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	return absent(c.Clientset.CoreV1().Secrets(namespace).Get(ctx, name, metav1.GetOptions{}))
}

// IngressClass returns the IngressClass, or nil.
func (c *Client) IngressClass(ctx context.Context, name string) (*networkingv1.IngressClass, error) {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	return absent(c.Clientset.NetworkingV1().IngressClasses().Get(ctx, name, metav1.GetOptions{}))
}

// LoadBalancer is a LoadBalancer Service and the addresses its load
// balancer got (IPs or host names; none while pending).
type LoadBalancer struct {
	Namespace, Name string
	Addresses       []string
}

// IngressNginxLoadBalancers lists the LoadBalancer Services of
// ingress-nginx controllers in every namespace (label
// app.kubernetes.io/name=ingress-nginx, as its chart and manifests set).
func (c *Client) IngressNginxLoadBalancers(ctx context.Context) ([]LoadBalancer, error) {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	list, err := c.Clientset.CoreV1().Services("").List(ctx, metav1.ListOptions{LabelSelector: "app.kubernetes.io/name=ingress-nginx"})
	if err != nil {
		return nil, fmt.Errorf("list ingress-nginx Services: %w", err)
	}
	var out []LoadBalancer
	for _, s := range list.Items {
		if s.Spec.Type != corev1.ServiceTypeLoadBalancer {
			continue
		}
		lb := LoadBalancer{Namespace: s.Namespace, Name: s.Name}
		for _, in := range s.Status.LoadBalancer.Ingress {
			if in.IP != "" {
				lb.Addresses = append(lb.Addresses, in.IP)
			}
			if in.Hostname != "" {
				lb.Addresses = append(lb.Addresses, in.Hostname)
			}
		}
		out = append(out, lb)
	}
	return out, nil
}

// StorageClass returns the StorageClass, or nil.
func (c *Client) StorageClass(ctx context.Context, name string) (*storagev1.StorageClass, error) {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	return absent(c.Clientset.StorageV1().StorageClasses().Get(ctx, name, metav1.GetOptions{}))
}

// DefaultStorageClasses returns the classes marked as the cluster default
// (normally one; none means PVCs without a class stay Pending).
func (c *Client) DefaultStorageClasses(ctx context.Context) ([]storagev1.StorageClass, error) {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	list, err := c.Clientset.StorageV1().StorageClasses().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list StorageClasses: %w", err)
	}
	var out []storagev1.StorageClass
	for _, sc := range list.Items {
		if sc.Annotations["storageclass.kubernetes.io/is-default-class"] == "true" ||
			sc.Annotations["storageclass.beta.kubernetes.io/is-default-class"] == "true" {
			out = append(out, sc)
		}
	}
	return out, nil
}

// CSIDriver returns the CSIDriver, or nil.
func (c *Client) CSIDriver(ctx context.Context, name string) (*storagev1.CSIDriver, error) {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	return absent(c.Clientset.StorageV1().CSIDrivers().Get(ctx, name, metav1.GetOptions{}))
}

// Nodes lists every node.
func (c *Client) Nodes(ctx context.Context) ([]corev1.Node, error) {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	list, err := c.Clientset.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	return list.Items, nil
}

// TridentOrchestratorGVR is the cluster-scoped resource the Trident operator
// reconciles; its .status.status is Installed when Trident runs.
var TridentOrchestratorGVR = schema.GroupVersionResource{Group: "trident.netapp.io", Version: "v1", Resource: "tridentorchestrators"}

// TridentInstall is what of Trident a cluster already runs.
type TridentInstall struct {
	// Orchestrators are TridentOrchestrators as "name (status, namespace ns)".
	Orchestrators []string
	// Namespaces holding a trident-controller (or older trident-csi) Deployment.
	Namespaces []string
}

// Found reports any Trident.
func (t *TridentInstall) Found() bool { return len(t.Orchestrators)+len(t.Namespaces) > 0 }

// Trident looks for an existing Trident: TridentOrchestrators and
// trident-controller Deployments (only one Trident may run per cluster).
func (c *Client) Trident(ctx context.Context) (*TridentInstall, error) {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	t := &TridentInstall{}
	if c.Dynamic != nil {
		list, err := c.Dynamic.Resource(TridentOrchestratorGVR).List(ctx, metav1.ListOptions{})
		switch {
		case apierrors.IsNotFound(err) || meta.IsNoMatchError(err):
			// The CRD is not installed: no operator-managed Trident.
		case err != nil:
			return nil, fmt.Errorf("list TridentOrchestrators: %w", err)
		default:
			for _, o := range list.Items {
				status, _, _ := unstructuredString(o.Object, "status", "status")
				ns, _, _ := unstructuredString(o.Object, "spec", "namespace")
				t.Orchestrators = append(t.Orchestrators, fmt.Sprintf("%s (status %q, namespace %s)", o.GetName(), status, ns))
			}
		}
	}
	seen := map[string]bool{}
	for _, name := range []string{"trident-controller", "trident-csi"} {
		list, err := c.Clientset.AppsV1().Deployments("").List(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + name})
		if err != nil {
			return nil, fmt.Errorf("list %s Deployments: %w", name, err)
		}
		for _, d := range list.Items {
			if d.Name == name && !seen[d.Namespace] {
				seen[d.Namespace] = true
				t.Namespaces = append(t.Namespaces, d.Namespace)
			}
		}
	}
	sort.Strings(t.Namespaces)
	return t, nil
}

func unstructuredString(obj map[string]any, fields ...string) (string, bool, error) {
	var cur any = obj
	for _, f := range fields {
		m, ok := cur.(map[string]any)
		if !ok {
			return "", false, nil
		}
		cur, ok = m[f]
		if !ok {
			return "", false, nil
		}
	}
	s, ok := cur.(string)
	return s, ok, nil
}
