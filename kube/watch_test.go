package kube

import (
	"context"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/harbor-installer/harbor-installer/kube/model"
)

func TestWatch(t *testing.T) {
	dep := deployment("harbor-core", 2, 0, false)
	hookJob := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "batch/v1", "kind": "Job",
		"metadata": map[string]any{"name": "minio-post-job", "namespace": "harbor"}, "spec": map[string]any{}}}
	b, _, dc := fakeBackend(t, nil, dep, hookJob)
	torc := model.WatchTarget{Ref: model.ObjectRef{APIVersion: "trident.netapp.io/v1", Kind: "TridentOrchestrator", Name: "trident"},
		Ready: []model.FieldMatch{{Path: ".status.status", Value: "Installed"}}}
	targets := []model.WatchTarget{
		{Ref: model.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "harbor", Name: "harbor-core"}},
		{Ref: model.ObjectRef{APIVersion: "batch/v1", Kind: "Job", Namespace: "harbor", Name: "minio-post-job"}, Hook: true},
		torc,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	updates := make(chan model.ObjectStatus, 100)
	done := make(chan error, 1)
	go func() { done <- b.Watch(ctx, targets, func(s model.ObjectStatus) { updates <- s }) }()

	next := func(what string) model.ObjectStatus {
		t.Helper()
		select {
		case s := <-updates:
			return s
		case err := <-done:
			t.Fatalf("%s: Watch returned %v", what, err)
		case <-ctx.Done():
			t.Fatalf("%s: no update", what)
		}
		return model.ObjectStatus{}
	}
	// First the current state of every target, in order.
	want := []model.Readiness{model.InProgress, model.InProgress, model.Pending}
	for i, w := range want {
		s := next("initial")
		if s.Ref != targets[i].Ref || s.State != w {
			t.Fatalf("initial update %d: %s %s (%s), want %s %s", i, s.Ref, s.State, s.Message, targets[i].Ref, w)
		}
	}

	deps := dc.Resource(schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}).Namespace("harbor")
	if _, err := deps.UpdateStatus(ctx, deployment("harbor-core", 2, 2, true), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if s := next("deployment ready"); s.Ref.Name != "harbor-core" || s.State != model.Ready || s.Ready != 2 || s.Desired != 2 || s.ReadySince.IsZero() {
		t.Fatalf("after rollout: %+v", s)
	}

	jobs := dc.Resource(schema.GroupVersionResource{Group: "batch", Version: "v1", Resource: "jobs"}).Namespace("harbor")
	if err := jobs.Delete(ctx, "minio-post-job", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if s := next("hook deleted"); s.Ref.Name != "minio-post-job" || s.State != model.Gone {
		t.Fatalf("after hook deletion: %+v", s)
	}

	torcs := dc.Resource(schema.GroupVersionResource{Group: "trident.netapp.io", Version: "v1", Resource: "tridentorchestrators"})
	obj := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "trident.netapp.io/v1", "kind": "TridentOrchestrator",
		"metadata": map[string]any{"name": "trident"}, "status": map[string]any{"status": "Installing"}}}
	if _, err := torcs.Create(ctx, obj, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if s := next("orchestrator created"); s.Ref.Name != "trident" || s.State != model.InProgress {
		t.Fatalf("orchestrator installing: %+v", s)
	}
	obj.Object["status"] = map[string]any{"status": "Installed"}
	if _, err := torcs.Update(ctx, obj, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if s := next("orchestrator installed"); s.State != model.Ready || s.Message != "Installed" {
		t.Fatalf("orchestrator installed: %+v", s)
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("Watch after cancel: %v", err)
	}
	select {
	case s := <-updates:
		t.Errorf("unexpected update %+v", s)
	default:
	}
}
