package kube

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	fakediscovery "k8s.io/client-go/discovery/fake"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"
)

// fakeBackend is a Backend on client-go's fakes, with discovery that
// serves the kinds the tests use.
func fakeBackend(t *testing.T, typed []runtime.Object, dyn ...runtime.Object) (*Backend, *fake.Clientset, *dynamicfake.FakeDynamicClient) {
	t.Helper()
	cs := fake.NewClientset(typed...)
	cs.Discovery().(*fakediscovery.FakeDiscovery).Resources = []*metav1.APIResourceList{
		{GroupVersion: "v1", APIResources: []metav1.APIResource{
			{Name: "pods", Kind: "Pod", Namespaced: true},
			{Name: "persistentvolumeclaims", Kind: "PersistentVolumeClaim", Namespaced: true},
			{Name: "secrets", Kind: "Secret", Namespaced: true},
			{Name: "namespaces", Kind: "Namespace"},
		}},
		{GroupVersion: "apps/v1", APIResources: []metav1.APIResource{
			{Name: "deployments", Kind: "Deployment", Namespaced: true},
			{Name: "statefulsets", Kind: "StatefulSet", Namespaced: true},
		}},
		{GroupVersion: "batch/v1", APIResources: []metav1.APIResource{{Name: "jobs", Kind: "Job", Namespaced: true}}},
		{GroupVersion: "velero.io/v1", APIResources: []metav1.APIResource{{Name: "backupstoragelocations", Kind: "BackupStorageLocation", Namespaced: true}}},
		{GroupVersion: "trident.netapp.io/v1", APIResources: []metav1.APIResource{{Name: "tridentorchestrators", Kind: "TridentOrchestrator"}}},
	}
	listKinds := map[schema.GroupVersionResource]string{
		{Group: "apps", Version: "v1", Resource: "deployments"}:                       "DeploymentList",
		{Group: "apps", Version: "v1", Resource: "statefulsets"}:                      "StatefulSetList",
		{Group: "batch", Version: "v1", Resource: "jobs"}:                             "JobList",
		{Group: "velero.io", Version: "v1", Resource: "backupstoragelocations"}:       "BackupStorageLocationList",
		{Group: "trident.netapp.io", Version: "v1", Resource: "tridentorchestrators"}: "TridentOrchestratorList",
		{Version: "v1", Resource: "pods"}:                                             "PodList",
		crdGVR:                                                                        "CustomResourceDefinitionList",
	}
	dc := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), listKinds, dyn...)
	b, err := NewBackend(NewForClients(cs, dc, 0), BackendOptions{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	return b, cs, dc
}
