package kube

import (
	"reflect"
	"testing"

	"helm.sh/helm/v3/pkg/release"

	"github.com/harbor-installer/harbor-installer/kube/model"
)

func TestManifestObjects(t *testing.T) {
	manifest := `---
# Source: c/templates/sa.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: sa
---
# Source: c/templates/crb.yaml
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: crb
---
# Source: c/templates/empty.yaml
# nothing rendered
---
# Source: c/templates/deploy.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: other
`
	scope := func(_, kind string) (bool, bool) { return kind != "ClusterRoleBinding", true }
	got := manifestObjects(manifest, "ns", scope)
	want := []model.ObjectRef{
		{APIVersion: "v1", Kind: "ServiceAccount", Namespace: "ns", Name: "sa"},
		{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding", Name: "crb"},
		{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "other", Name: "web"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("objects\n got %+v\nwant %+v", got, want)
	}
	hooks := hookObjects([]*release.Hook{{Kind: "Job", Name: "post", Manifest: "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: post\n"}}, "ns", scope)
	if len(hooks) != 1 || hooks[0] != (model.ObjectRef{APIVersion: "batch/v1", Kind: "Job", Namespace: "ns", Name: "post"}) {
		t.Errorf("hooks %+v", hooks)
	}
}
