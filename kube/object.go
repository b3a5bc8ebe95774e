package kube

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/harbor-installer/harbor-installer/kube/model"
)

// ApplyObject applies a plan object (apiVersion, kind, metadata, content)
// by server-side apply with field manager harbor-installer; dryRun asks the
// server to validate only (dryRun=All). A kind the cached discovery does not
// know is looked up again once, because the CRDs of plan objects (Trident's
// backend config, Velero's schedules) appear with an earlier release.
func (b *Backend) ApplyObject(ctx context.Context, obj map[string]any, dryRun bool) error {
	u := &unstructured.Unstructured{Object: obj}
	ref := refOf(u)
	if ref.APIVersion == "" || ref.Kind == "" || ref.Name == "" {
		return fmt.Errorf("apply object: apiVersion, kind and metadata.name are required (got %s %q)", ref.Kind, ref.Name)
	}
	ri, err := b.resourceFor(ref)
	if err != nil {
		return fmt.Errorf("apply %s: %w", ref, err)
	}
	opts := metav1.ApplyOptions{FieldManager: FieldManager, Force: true}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	ctx, cancel := b.requestCtx(ctx)
	defer cancel()
	if _, err := ri.Apply(ctx, ref.Name, u, opts); err != nil {
		return fmt.Errorf("apply %s: %w", describeRef(ref), scrub(err))
	}
	return nil
}

// mapping resolves a kind to its resource, refreshing discovery once when
// the kind is unknown.
func (b *Backend) mapping(ref model.ObjectRef) (*meta.RESTMapping, error) {
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return nil, fmt.Errorf("apiVersion %q: %w", ref.APIVersion, err)
	}
	gk := schema.GroupKind{Group: gv.Group, Kind: ref.Kind}
	m, err := b.mapper.RESTMapping(gk, gv.Version)
	if meta.IsNoMatchError(err) {
		b.resetMapper()
		m, err = b.mapper.RESTMapping(gk, gv.Version)
	}
	if err != nil {
		return nil, fmt.Errorf("kind %s in %s is not served by the cluster: %w", ref.Kind, ref.APIVersion, err)
	}
	return m, nil
}

// resourceFor returns the dynamic client of the object's resource, scoped
// to its namespace when the kind is namespaced.
func (b *Backend) resourceFor(ref model.ObjectRef) (dynamic.ResourceInterface, error) {
	m, err := b.mapping(ref)
	if err != nil {
		return nil, err
	}
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		if ref.Namespace == "" {
			return nil, fmt.Errorf("%s is namespaced: set metadata.namespace", ref.Kind)
		}
		return b.dyn.Resource(m.Resource).Namespace(ref.Namespace), nil
	}
	return b.dyn.Resource(m.Resource), nil
}

func refOf(u *unstructured.Unstructured) model.ObjectRef {
	return model.ObjectRef{APIVersion: u.GetAPIVersion(), Kind: u.GetKind(), Namespace: u.GetNamespace(), Name: u.GetName()}
}

// describeRef is "Kind namespace/name" (or "Kind name" when cluster-scoped).
func describeRef(r model.ObjectRef) string {
	if r.Namespace == "" {
		return r.Kind + " " + r.Name
	}
	return r.Kind + " " + r.Namespace + "/" + r.Name
}
