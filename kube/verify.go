package kube

import (
	"context"
	"fmt"
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// VeleroState is what verify reads of Velero.
type VeleroState struct {
	Locations []VeleroLocation
	Schedules []VeleroSchedule
}

// VeleroLocation is a BackupStorageLocation's name and status.phase.
type VeleroLocation struct {
	Name  string
	Phase string
}

// VeleroSchedule is a Schedule's name and spec.schedule.
type VeleroSchedule struct {
	Name     string
	Schedule string
}

var (
	veleroBSL      = schema.GroupVersionResource{Group: "velero.io", Version: "v1", Resource: "backupstoragelocations"}
	veleroSchedule = schema.GroupVersionResource{Group: "velero.io", Version: "v1", Resource: "schedules"}
)

// Velero lists the BackupStorageLocations and Schedules in namespace.
func (c *Client) Velero(ctx context.Context, namespace string) (*VeleroState, error) {
	st := &VeleroState{}
	bsls, err := c.Dynamic.Resource(veleroBSL).Namespace(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list backupstoragelocations: %w", err)
	}
	for _, u := range bsls.Items {
		phase, _, _ := unstructuredString(u.Object, "status", "phase")
		st.Locations = append(st.Locations, VeleroLocation{Name: u.GetName(), Phase: phase})
	}
	scheds, err := c.Dynamic.Resource(veleroSchedule).Namespace(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list schedules: %w", err)
	}
	for _, u := range scheds.Items {
		cron, _, _ := unstructuredString(u.Object, "spec", "schedule")
		st.Schedules = append(st.Schedules, VeleroSchedule{Name: u.GetName(), Schedule: cron})
	}
	return st, nil
}

// LastPodEvent is the newest event about a pod matching selector in
// namespace, as "Reason: message", or "" when there is none.
func (c *Client) LastPodEvent(ctx context.Context, namespace, selector string) (string, error) {
	pods, err := c.Clientset.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return "", err
	}
	names := map[string]bool{}
	for _, p := range pods.Items {
		names[p.Name] = true
	}
	if len(names) == 0 {
		return "", nil
	}
	evs, err := c.Clientset.CoreV1().Events(namespace).List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.kind=Pod"})
	if err != nil {
		return "", err
	}
	items := evs.Items
	sort.Slice(items, func(i, j int) bool { return items[i].LastTimestamp.Time.Before(items[j].LastTimestamp.Time) })
	for i := len(items) - 1; i >= 0; i-- {
		if names[items[i].InvolvedObject.Name] {
			return items[i].InvolvedObject.Name + ": " + items[i].Reason + ": " + items[i].Message, nil
		}
	}
	return "", nil
}

// SecretValue is one key of a Secret; "" with no error when the Secret or
// the key is absent. Callers must not print it.
func (c *Client) SecretValue(ctx context.Context, namespace, name, key string) (string, error) {
	s, err := c.Secret(ctx, namespace, name)
	if err != nil || s == nil {
		return "", err
	}
	return string(s.Data[key]), nil
}
