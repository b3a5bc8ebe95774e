package kube

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/harbor-installer/harbor-installer/kube/model"
)

func pod(name, app string, phase corev1.PodPhase, claim string, waiting string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "harbor", Labels: map[string]string{"app": app}},
		Status: corev1.PodStatus{Phase: phase}}
	if claim != "" {
		p.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}}}}
	}
	if waiting != "" {
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "app", Image: "registry.invalid/app:1", RestartCount: 3,
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: waiting, Message: "back-off pulling"}}}}
	}
	return p
}

func warning(kind, name, reason, msg string, at time.Time) *corev1.Event {
	return &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: name + "." + reason + "." + at.Format("150405"), Namespace: "harbor"},
		InvolvedObject: corev1.ObjectReference{Kind: kind, Name: name, Namespace: "harbor"},
		Type:           corev1.EventTypeWarning, Reason: reason, Message: msg, LastTimestamp: metav1.NewTime(at)}
}

func workload(kind, name, app string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{"apiVersion": "apps/v1", "kind": kind,
		"metadata": map[string]any{"name": name, "namespace": "harbor"},
		"spec":     map[string]any{"selector": map[string]any{"matchLabels": map[string]any{"app": app}}}}}
}

func target(kind, name string) model.WatchTarget {
	return model.WatchTarget{Ref: model.ObjectRef{APIVersion: "apps/v1", Kind: kind, Namespace: "harbor", Name: name}}
}

func TestBlocker(t *testing.T) {
	t0 := time.Date(2026, 12, 5, 6, 0, 0, 0, time.UTC)
	pendingPVC := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "data-registry", Namespace: "harbor"},
		Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending}}
	cases := []struct {
		name    string
		typed   []runtime.Object
		targets []model.WatchTarget
		want    string // Blocker.String(), "" for none
		logs    bool
	}{{
		name: "image pull",
		typed: []runtime.Object{pod("core-1", "core", corev1.PodPending, "", "ImagePullBackOff"),
			pod("other-1", "other", corev1.PodPending, "", "ErrImagePull")},
		targets: []model.WatchTarget{target("Deployment", "core")},
		want:    "Pod core-1 ImagePullBackOff: container app: back-off pulling",
	}, {
		name: "pvc before the pod it holds",
		typed: []runtime.Object{pod("registry-1", "registry", corev1.PodPending, "data-registry", ""), pendingPVC,
			warning("Pod", "registry-1", "FailedScheduling", "0/6 nodes are available: pod has unbound immediate PersistentVolumeClaims.", t0),
			warning("PersistentVolumeClaim", "data-registry", "ProvisioningFailed", "old", t0.Add(-time.Minute)),
			warning("PersistentVolumeClaim", "data-registry", "ProvisioningFailed", "gp3 does not support ReadWriteMany", t0)},
		targets: []model.WatchTarget{target("Deployment", "registry")},
		want:    "PersistentVolumeClaim data-registry Pending: ProvisioningFailed gp3 does not support ReadWriteMany",
	}, {
		name: "unschedulable pod",
		typed: []runtime.Object{pod("db-0", "db", corev1.PodPending, "", ""),
			warning("Pod", "db-0", "FailedScheduling", "0/6 nodes are available: 6 Insufficient memory.", t0)},
		targets: []model.WatchTarget{target("StatefulSet", "db")},
		want:    "Pod db-0 Pending: FailedScheduling 0/6 nodes are available: 6 Insufficient memory.",
	}, {
		name:    "crash loop with logs",
		typed:   []runtime.Object{pod("jobservice-1", "jobservice", corev1.PodRunning, "", "CrashLoopBackOff")},
		targets: []model.WatchTarget{target("Deployment", "jobservice")},
		want:    "Pod jobservice-1 CrashLoopBackOff: container app: back-off pulling",
		logs:    true,
	}, {
		name:    "replica set cannot create pods",
		typed:   []runtime.Object{warning("ReplicaSet", "core-7c9", "FailedCreate", "pods \"core-7c9-\" is forbidden: exceeded quota", t0)},
		targets: []model.WatchTarget{target("Deployment", "core")},
		want:    "Deployment core NoPods: FailedCreate pods \"core-7c9-\" is forbidden: exceeded quota",
	}, {
		name: "backup location unavailable",
		targets: []model.WatchTarget{{Ref: model.ObjectRef{APIVersion: "velero.io/v1", Kind: "BackupStorageLocation", Namespace: "harbor", Name: "default"},
			Ready:  []model.FieldMatch{{Path: ".status.phase", Value: "Available"}},
			Failed: []model.FieldMatch{{Path: ".status.phase", Value: "Unavailable"}}}},
		want: "BackupStorageLocation default failed: status.phase is Unavailable (bucket velero does not exist)",
	}, {
		name:    "healthy",
		typed:   []runtime.Object{&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "core-1", Namespace: "harbor", Labels: map[string]string{"app": "core"}}, Status: corev1.PodStatus{Phase: corev1.PodRunning}}},
		targets: []model.WatchTarget{target("Deployment", "core")},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, _, _ := fakeBackend(t, c.typed,
				workload("Deployment", "core", "core"), workload("Deployment", "registry", "registry"),
				workload("StatefulSet", "db", "db"), workload("Deployment", "jobservice", "jobservice"),
				&unstructured.Unstructured{Object: map[string]any{"apiVersion": "velero.io/v1", "kind": "BackupStorageLocation",
					"metadata": map[string]any{"name": "default", "namespace": "harbor"},
					"status":   map[string]any{"phase": "Unavailable", "message": "bucket velero does not exist"}}})
			got, err := b.Blocker(context.Background(), c.targets)
			if err != nil {
				t.Fatal(err)
			}
			if c.want == "" {
				if got != nil {
					t.Fatalf("blocker %s, want none", got)
				}
				return
			}
			if got == nil || got.String() != c.want {
				t.Fatalf("blocker %v, want %s", got, c.want)
			}
			if c.logs != (len(got.LogTail) > 0) {
				t.Errorf("log tail %q, want some: %v", got.LogTail, c.logs)
			}
		})
	}
}

func TestEvidence(t *testing.T) {
	t0 := time.Date(2026, 12, 5, 6, 0, 0, 0, time.UTC)
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "harbor"}, Data: map[string][]byte{"k": []byte("never-in-evidence")}}
	b, _, _ := fakeBackend(t, []runtime.Object{secret,
		pod("core-1", "core", corev1.PodRunning, "", "CrashLoopBackOff"), pod("portal-1", "portal", corev1.PodRunning, "", ""),
		warning("Pod", "core-1", "BackOff", "Back-off restarting failed container", t0)})
	ev, err := b.Evidence(context.Background(), "harbor")
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(append(append([]string{}, ev.Events...), ev.Pods...), "\n")
	for _, want := range []string{"Warning BackOff Pod/core-1: Back-off restarting failed container", "core-1 Running ready 0/1", "container app waiting CrashLoopBackOff", "portal-1 Running ready 0/0"} {
		if !strings.Contains(all, want) {
			t.Errorf("evidence lacks %q:\n%s", want, all)
		}
	}
	if len(ev.Logs["core-1/app"]) == 0 || len(ev.Logs) != 1 {
		t.Errorf("logs %v, want core-1/app only", ev.Logs)
	}
	if strings.Contains(all, "never-in-evidence") {
		t.Error("evidence holds Secret data")
	}
}
