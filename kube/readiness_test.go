package kube

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/harbor-installer/harbor-installer/kube/model"
)

func deployment(name string, replicas, ready int64, available bool) *unstructured.Unstructured {
	status := "False"
	if available {
		status = "True"
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": name, "namespace": "harbor", "generation": int64(1)},
		"spec":     map[string]any{"replicas": replicas},
		"status": map[string]any{
			"observedGeneration": int64(1), "replicas": replicas, "updatedReplicas": replicas,
			"readyReplicas": ready, "availableReplicas": ready,
			"conditions": []any{
				map[string]any{"type": "Available", "status": status, "lastTransitionTime": "2026-12-05T06:00:00Z"},
				map[string]any{"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable", "lastTransitionTime": "2026-12-05T05:59:00Z"},
			},
		},
	}}
}

func TestReadiness(t *testing.T) {
	now := time.Now()
	dep := model.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "harbor", Name: "harbor-core"}
	bsl := model.WatchTarget{
		Ref:    model.ObjectRef{APIVersion: "velero.io/v1", Kind: "BackupStorageLocation", Namespace: "velero", Name: "default"},
		Ready:  []model.FieldMatch{{Path: ".status.phase", Value: "Available"}},
		Failed: []model.FieldMatch{{Path: ".status.phase", Value: "Unavailable"}},
	}
	bslObj := func(phase string) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "velero.io/v1", "kind": "BackupStorageLocation",
			"metadata": map[string]any{"name": "default", "namespace": "velero"}}}
		if phase != "" {
			u.Object["status"] = map[string]any{"phase": phase}
		}
		return u
	}
	job := func(cond string) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{"apiVersion": "batch/v1", "kind": "Job",
			"metadata": map[string]any{"name": "minio-post-job", "namespace": "minio"},
			"spec":     map[string]any{"completions": int64(1)},
			"status": map[string]any{"conditions": []any{map[string]any{"type": cond, "status": "True", "reason": "BackoffLimitExceeded"}},
				"failed": int64(1)}}}
	}
	hook := model.WatchTarget{Ref: model.ObjectRef{APIVersion: "batch/v1", Kind: "Job", Namespace: "minio", Name: "minio-post-job"}, Hook: true}

	cases := []struct {
		name        string
		target      model.WatchTarget
		obj         *unstructured.Unstructured
		existed     bool
		want        model.Readiness
		ready, des  int
		readySince  bool
		wantMessage string
	}{
		{name: "deployment ready", target: model.WatchTarget{Ref: dep}, obj: deployment("harbor-core", 2, 2, true), want: model.Ready, ready: 2, des: 2, readySince: true},
		{name: "deployment rolling out", target: model.WatchTarget{Ref: dep}, obj: deployment("harbor-core", 2, 1, false), want: model.InProgress, ready: 1, des: 2},
		{name: "absent", target: model.WatchTarget{Ref: dep}, want: model.Pending},
		{name: "absent hook never seen", target: hook, want: model.Pending},
		{name: "hook deleted after success", target: hook, existed: true, want: model.Gone},
		{name: "hook failed", target: hook, obj: job("Failed"), want: model.Failed, des: 1},
		{name: "hook complete", target: hook, obj: job("Complete"), want: model.Ready, des: 1},
		{name: "bsl available", target: bsl, obj: bslObj("Available"), want: model.Ready, wantMessage: "Available"},
		{name: "bsl no status", target: bsl, obj: bslObj(""), want: model.InProgress, wantMessage: "status.phase not set (want Available)"},
		{name: "bsl unavailable", target: bsl, obj: bslObj("Unavailable"), want: model.Failed, wantMessage: "status.phase is Unavailable"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := readiness(c.target, c.obj, c.existed, now)
			if got.State != c.want {
				t.Fatalf("state %s (%s), want %s", got.State, got.Message, c.want)
			}
			if got.Ready != c.ready || got.Desired != c.des {
				t.Errorf("counts %d/%d, want %d/%d", got.Ready, got.Desired, c.ready, c.des)
			}
			if c.readySince != !got.ReadySince.IsZero() {
				t.Errorf("ReadySince %v, want set=%v", got.ReadySince, c.readySince)
			}
			if c.readySince && !got.ReadySince.Equal(time.Date(2026, 12, 5, 6, 0, 0, 0, time.UTC)) {
				t.Errorf("ReadySince %v, want the Available condition's time", got.ReadySince)
			}
			if c.wantMessage != "" && got.Message != c.wantMessage {
				t.Errorf("message %q, want %q", got.Message, c.wantMessage)
			}
			if got.Ref != c.target.Ref || !got.Observed.Equal(now) {
				t.Errorf("ref %v observed %v", got.Ref, got.Observed)
			}
		})
	}
}
