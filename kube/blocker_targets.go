package kube

import (
	"context"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/harbor-installer/harbor-installer/kube/model"
)

// targetSelectors reads the targets of a namespace: the pod selectors of
// workloads, the Jobs (their pods carry the job-name label), and plain
// names (Pods and PVCs named directly).
func (b *Backend) targetSelectors(ctx context.Context, ns string, targets []model.WatchTarget) ([]labels.Selector, []*unstructured.Unstructured, map[string]bool) {
	var sels []labels.Selector
	var jobs []*unstructured.Unstructured
	names := map[string]bool{}
	for _, t := range targets {
		if t.Ref.Namespace != ns {
			continue
		}
		switch t.Ref.Kind {
		case "Pod", "PersistentVolumeClaim":
			names[t.Ref.Name] = true
			continue
		case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job":
		default:
			continue
		}
		ri, err := b.resourceFor(t.Ref)
		if err != nil {
			continue
		}
		u, err := ri.Get(ctx, t.Ref.Name, metav1.GetOptions{})
		if err != nil {
			continue
		}
		if t.Ref.Kind == "Job" {
			jobs = append(jobs, u)
		}
		sel, ok, _ := unstructured.NestedMap(u.Object, "spec", "selector")
		if !ok {
			continue
		}
		var ls metav1.LabelSelector
		if err := fromUnstructured(sel, &ls); err != nil {
			continue
		}
		if s, err := metav1.LabelSelectorAsSelector(&ls); err == nil && !s.Empty() {
			sels = append(sels, s)
		}
		// A StatefulSet's claims are named <template>-<name>-<ordinal>; its
		// pods mount them, so they are found through the pods.
	}
	return sels, jobs, names
}

func matchesAny(l map[string]string, sels []labels.Selector) bool {
	for _, s := range sels {
		if s.Matches(labels.Set(l)) {
			return true
		}
	}
	return false
}

func ownedByJob(p *corev1.Pod, jobs []*unstructured.Unstructured) bool {
	for _, o := range p.OwnerReferences {
		if o.Kind != "Job" {
			continue
		}
		for _, j := range jobs {
			if j.GetUID() == o.UID {
				return true
			}
		}
	}
	return false
}

// targetBlocker judges a target itself: a custom resource by its field
// matches, a workload by the FailedCreate events of it or its ReplicaSets.
func (b *Backend) targetBlocker(ctx context.Context, t model.WatchTarget, warnings map[eventKey]corev1.Event) *candidate {
	if len(t.Ready) == 0 && len(t.Failed) == 0 {
		switch t.Ref.Kind {
		case "Deployment", "StatefulSet", "DaemonSet", "Job":
		default:
			return nil
		}
		var newest *corev1.Event
		for k, e := range warnings {
			if e.Reason != "FailedCreate" {
				continue
			}
			if (k.kind == t.Ref.Kind && k.name == t.Ref.Name) ||
				(t.Ref.Kind == "Deployment" && k.kind == "ReplicaSet" && strings.HasPrefix(k.name, t.Ref.Name+"-")) {
				if newest == nil || eventTime(e).After(eventTime(*newest)) {
					e := e
					newest = &e
				}
			}
		}
		if newest == nil {
			return nil
		}
		return &candidate{rank: 4, b: model.Blocker{Ref: t.Ref, Phase: "NoPods", Reason: newest.Reason, Message: oneLine(newest.Message)}}
	}
	ri, err := b.resourceFor(t.Ref)
	if err != nil {
		return nil
	}
	u, err := ri.Get(ctx, t.Ref.Name, metav1.GetOptions{})
	if err != nil {
		return nil
	}
	st := readiness(t, u, true, time.Now())
	rank := 6
	switch st.State {
	case model.Failed:
		rank = 4
	case model.InProgress:
	default:
		return nil
	}
	c := &candidate{rank: rank, b: model.Blocker{Ref: t.Ref, Phase: string(st.State), Message: st.Message}}
	for _, path := range []string{".status.message", ".status.lastOperationStatus"} {
		if m, ok := fieldString(u.Object, path); ok && m != "" {
			c.b.Message += " (" + oneLine(m) + ")"
			break
		}
	}
	if e, ok := warnings[eventKey{t.Ref.Kind, t.Ref.Name}]; ok {
		c.b.Reason, c.b.Message = e.Reason, oneLine(e.Message)
	}
	return c
}

// fromUnstructured converts an unstructured map into a typed value.
func fromUnstructured(m map[string]any, into any) error {
	return runtime.DefaultUnstructuredConverter.FromUnstructured(m, into)
}
