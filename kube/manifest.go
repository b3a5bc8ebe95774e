package kube

import (
	"sort"
	"strings"

	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/releaseutil"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"

	"github.com/harbor-installer/harbor-installer/kube/model"
)

// manifestHead is what a manifest document says about its identity.
type manifestHead struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
}

// scopeFunc says whether a kind is namespaced; ok false when unknown.
type scopeFunc func(apiVersion, kind string) (namespaced, ok bool)

// mapperScope answers scopeFunc from a REST mapper (without refreshing it:
// an unknown kind is guessed namespaced, as Helm itself places it).
func mapperScope(m meta.RESTMapper) scopeFunc {
	return func(apiVersion, kind string) (bool, bool) {
		gv, err := schema.ParseGroupVersion(apiVersion)
		if err != nil {
			return true, false
		}
		mp, err := m.RESTMapping(schema.GroupKind{Group: gv.Group, Kind: kind}, gv.Version)
		if err != nil {
			return true, false
		}
		return mp.Scope.Name() == meta.RESTScopeNameNamespace, true
	}
}

// manifestObjects lists the objects of a rendered release manifest in
// Helm's install order. A namespaced object without a namespace lands in
// the release's namespace (Helm applies it there); cluster-scoped objects
// keep none.
func manifestObjects(manifest, namespace string, scope scopeFunc) []model.ObjectRef {
	docs := releaseutil.SplitManifests(manifest)
	keys := make([]string, 0, len(docs))
	for k := range docs {
		keys = append(keys, k)
	}
	sort.Sort(releaseutil.BySplitManifestsOrder(keys))
	var out []model.ObjectRef
	for _, k := range keys {
		if r, ok := docRef(docs[k], namespace, scope); ok {
			out = append(out, r)
		}
	}
	return out
}

func docRef(doc, namespace string, scope scopeFunc) (model.ObjectRef, bool) {
	var h manifestHead
	if strings.TrimSpace(doc) == "" || yaml.Unmarshal([]byte(doc), &h) != nil || h.Kind == "" || h.Metadata.Name == "" {
		return model.ObjectRef{}, false
	}
	r := model.ObjectRef{APIVersion: h.APIVersion, Kind: h.Kind, Namespace: h.Metadata.Namespace, Name: h.Metadata.Name}
	namespaced := true
	if scope != nil {
		namespaced, _ = scope(h.APIVersion, h.Kind)
	}
	if !namespaced {
		r.Namespace = ""
	} else if r.Namespace == "" {
		r.Namespace = namespace
	}
	return r, true
}

// hookObjects lists a release's hook objects.
func hookObjects(hooks []*release.Hook, namespace string, scope scopeFunc) []model.ObjectRef {
	var out []model.ObjectRef
	for _, h := range hooks {
		if r, ok := docRef(h.Manifest, namespace, scope); ok {
			out = append(out, r)
		}
	}
	return out
}

// resultOf turns a stored release into what Apply returns.
func resultOf(rel *release.Release, scope scopeFunc) *model.ReleaseResult {
	return &model.ReleaseResult{
		Revision: rel.Version,
		Objects:  manifestObjects(rel.Manifest, rel.Namespace, scope),
		Hooks:    hookObjects(rel.Hooks, rel.Namespace, scope),
		Manifest: rel.Manifest,
	}
}
