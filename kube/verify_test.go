package kube

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynfake "k8s.io/client-go/dynamic/fake"
	"k8s.io/client-go/kubernetes/fake"
)

func TestVeleroAndLastPodEvent(t *testing.T) {
	obj := func(kind, name string, fields map[string]any) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "velero.io/v1", "kind": kind,
			"metadata": map[string]any{"name": name, "namespace": "velero"}}}
		for k, v := range fields {
			u.Object[k] = v
		}
		return u
	}
	dyn := dynfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(), map[schema.GroupVersionResource]string{
		veleroBSL: "BackupStorageLocationList", veleroSchedule: "ScheduleList",
	},
		obj("BackupStorageLocation", "default", map[string]any{"status": map[string]any{"phase": "Available"}}),
		obj("BackupStorageLocation", "new", nil),
		obj("Schedule", "harbor", map[string]any{"spec": map[string]any{"schedule": "0 2 * * *"}}),
	)
	now := time.Now()
	cs := fake.NewSimpleClientset(
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "harbor-jobservice-0", Namespace: "harbor", Labels: map[string]string{"component": "jobservice"}}},
		&corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "e1", Namespace: "harbor"}, InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "harbor-jobservice-0"},
			Reason: "Pulled", Message: "image pulled", LastTimestamp: metav1.NewTime(now.Add(-time.Minute))},
		&corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "e2", Namespace: "harbor"}, InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "harbor-jobservice-0"},
			Reason: "BackOff", Message: "Back-off restarting failed container", LastTimestamp: metav1.NewTime(now)},
	)
	c := NewForClients(cs, dyn, time.Second)
	st, err := c.Velero(context.Background(), "velero")
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Locations) != 2 || len(st.Schedules) != 1 || st.Schedules[0].Schedule != "0 2 * * *" {
		t.Fatalf("state = %+v", st)
	}
	phases := map[string]string{}
	for _, l := range st.Locations {
		phases[l.Name] = l.Phase
	}
	if phases["default"] != "Available" || phases["new"] != "" {
		t.Errorf("phases = %v", phases)
	}
	ev, err := c.LastPodEvent(context.Background(), "harbor", "component=jobservice")
	if err != nil || ev != "harbor-jobservice-0: BackOff: Back-off restarting failed container" {
		t.Errorf("last event = %q, %v", ev, err)
	}
	if ev, _ := c.LastPodEvent(context.Background(), "harbor", "component=core"); ev != "" {
		t.Errorf("no pods, yet event %q", ev)
	}
}
