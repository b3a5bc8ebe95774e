package kube

import (
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// freshMapper is the RESTMapper Helm gets: on a "no matches for kind" it
// drops the cached discovery once and asks again. Helm resets its mapper
// after installing a chart's crds/, but not when one CRD of a multi-CRD
// file already existed (it skips the whole file as "already present", also
// skipping the reset), so kinds whose CRDs it had just created stayed
// unknown and the install failed with "ensure CRDs are installed first".
type freshMapper struct {
	inner meta.ResettableRESTMapper
	reset func()
}

// retry runs f, and once more after a reset when f found no such kind.
func retry[T any](m *freshMapper, f func() (T, error)) (T, error) {
	v, err := f()
	if err != nil && meta.IsNoMatchError(err) {
		m.reset()
		return f()
	}
	return v, err
}

func (m *freshMapper) KindFor(r schema.GroupVersionResource) (schema.GroupVersionKind, error) {
	return retry(m, func() (schema.GroupVersionKind, error) { return m.inner.KindFor(r) })
}

func (m *freshMapper) KindsFor(r schema.GroupVersionResource) ([]schema.GroupVersionKind, error) {
	return retry(m, func() ([]schema.GroupVersionKind, error) { return m.inner.KindsFor(r) })
}

func (m *freshMapper) ResourceFor(r schema.GroupVersionResource) (schema.GroupVersionResource, error) {
	return retry(m, func() (schema.GroupVersionResource, error) { return m.inner.ResourceFor(r) })
}

func (m *freshMapper) ResourcesFor(r schema.GroupVersionResource) ([]schema.GroupVersionResource, error) {
	return retry(m, func() ([]schema.GroupVersionResource, error) { return m.inner.ResourcesFor(r) })
}

func (m *freshMapper) RESTMapping(gk schema.GroupKind, versions ...string) (*meta.RESTMapping, error) {
	return retry(m, func() (*meta.RESTMapping, error) { return m.inner.RESTMapping(gk, versions...) })
}

func (m *freshMapper) RESTMappings(gk schema.GroupKind, versions ...string) ([]*meta.RESTMapping, error) {
	return retry(m, func() ([]*meta.RESTMapping, error) { return m.inner.RESTMappings(gk, versions...) })
}

func (m *freshMapper) ResourceSingularizer(resource string) (string, error) {
	return m.inner.ResourceSingularizer(resource)
}

// Reset forgets the cached discovery (Helm calls it after CRDs it waited for).
func (m *freshMapper) Reset() { m.reset() }
