package kube

import (
	"context"
	"errors"
	"testing"
	"time"

	helmkube "helm.sh/helm/v3/pkg/kube"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/resource"
)

func info(kind, name string) *resource.Info {
	return &resource.Info{Name: name, Namespace: "ns", Mapping: &meta.RESTMapping{GroupVersionKind: schema.GroupVersionKind{Version: "v1", Kind: kind}}}
}

func TestStoppableKube(t *testing.T) {
	stop, cancel := context.WithCancel(context.Background())
	k := &stoppableKube{Client: &helmkube.Client{}, stop: stop, keepPVCs: true}
	list := helmkube.ResourceList{info("ConfigMap", "a"), info("PersistentVolumeClaim", "data"), info("Service", "b")}
	if got := k.deletable(list); len(got) != 2 || got[0].Name != "a" || got[1].Name != "b" {
		t.Errorf("deletable kept %d objects, want the ConfigMap and the Service", len(got))
	}
	if got := (&stoppableKube{Client: k.Client, stop: stop}).deletable(list); len(got) != 3 {
		t.Errorf("without keepPVCs: %d objects", len(got))
	}
	// Kinds other than Job and Pod need no wait, even before stop.
	if err := k.WatchUntilReady(helmkube.ResourceList{info("ConfigMap", "a")}, time.Second); err != nil {
		t.Errorf("WatchUntilReady of a ConfigMap: %v", err)
	}

	cancel()
	if _, err := k.Create(list); !errors.Is(err, errInterrupted) {
		t.Errorf("Create after stop: %v", err)
	}
	if _, err := k.Update(list, list, false); !errors.Is(err, errInterrupted) {
		t.Errorf("Update after stop: %v", err)
	}
	if err := k.WatchUntilReady(helmkube.ResourceList{info("Job", "hook")}, time.Minute); !errors.Is(err, errInterrupted) {
		t.Errorf("hook wait after stop: %v", err)
	}
	if err := k.WaitForDelete(list, time.Minute); !errors.Is(err, errInterrupted) {
		t.Errorf("WaitForDelete after stop: %v", err)
	}
}
