package kube

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/harbor-installer/harbor-installer/kube/model"
)

// logTailLines is how many log lines a crashing container contributes.
const logTailLines = 10

// Blocker names the object most likely holding back the targets, or nil.
// It looks at the targets' pods (found through each workload's selector,
// or the target itself when it is a Pod or Job's pods) and the PVCs those
// pods mount, and ranks what it finds, worst first:
//  1. a container that cannot start: ImagePullBackOff, ErrImagePull,
//     CrashLoopBackOff (with its last log lines; logs may be unavailable,
//     as on kwok's fake nodes, and are then left out), config errors;
//  2. a Pending PVC with its latest Warning event (ProvisioningFailed);
//  3. a Pending pod with its latest Warning event (FailedScheduling);
//  4. a failed Job's condition;
//  5. a running pod that is not Ready, with its latest Warning (Unhealthy).
//
// Secrets are never read.
func (b *Backend) Blocker(ctx context.Context, targets []model.WatchTarget) (*model.Blocker, error) {
	namespaces := map[string]bool{}
	for _, t := range targets {
		if t.Ref.Namespace != "" {
			namespaces[t.Ref.Namespace] = true
		}
	}
	var best *candidate
	for _, ns := range sortedKeys(namespaces) {
		c, err := b.namespaceBlocker(ctx, ns, targets)
		if err != nil {
			return nil, err
		}
		if c != nil && (best == nil || c.rank < best.rank) {
			best = c
		}
	}
	if best == nil {
		return nil, nil
	}
	if best.logs != nil {
		best.b.LogTail = b.logTail(ctx, best.logs.namespace, best.logs.pod, best.logs.container, best.logs.previous)
	}
	return &best.b, nil
}

type candidate struct {
	rank int
	b    model.Blocker
	logs *logRef
}

type logRef struct {
	pod, container string
	namespace      string
	previous       bool
}

func (b *Backend) namespaceBlocker(ctx context.Context, ns string, targets []model.WatchTarget) (*candidate, error) {
	ctx, cancel := b.requestCtx(ctx)
	defer cancel()
	pods, err := b.cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list pods in %s: %w", ns, err)
	}
	evs, err := b.cs.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list events in %s: %w", ns, err)
	}
	warnings := latestWarnings(evs.Items)

	selectors, jobs, names := b.targetSelectors(ctx, ns, targets)
	var mine []corev1.Pod
	for _, p := range pods.Items {
		if names[p.Name] || matchesAny(p.Labels, selectors) || ownedByJob(&p, jobs) {
			mine = append(mine, p)
		}
	}
	sort.Slice(mine, func(i, j int) bool { return mine[i].Name < mine[j].Name })

	var best *candidate
	consider := func(c *candidate) {
		if c != nil && (best == nil || c.rank < best.rank) {
			best = c
		}
	}
	claims := map[string]bool{}
	for name := range names {
		claims[name] = true // a PVC target
	}
	for i := range mine {
		p := &mine[i]
		consider(podBlocker(p, warnings))
		for _, v := range p.Spec.Volumes {
			if v.PersistentVolumeClaim != nil {
				claims[v.PersistentVolumeClaim.ClaimName] = true
			}
		}
	}
	if len(claims) > 0 {
		pvcs, err := b.cs.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, fmt.Errorf("list PVCs in %s: %w", ns, err)
		}
		for _, pvc := range pvcs.Items {
			if claims[pvc.Name] && pvc.Status.Phase == corev1.ClaimPending {
				c := &candidate{rank: 2, b: model.Blocker{
					Ref:   model.ObjectRef{APIVersion: "v1", Kind: "PersistentVolumeClaim", Namespace: ns, Name: pvc.Name},
					Phase: string(pvc.Status.Phase)}}
				if e, ok := warnings[eventKey{"PersistentVolumeClaim", pvc.Name}]; ok {
					c.b.Reason, c.b.Message = e.Reason, oneLine(e.Message)
				} else {
					c.rank = 6 // pending without a complaint: maybe just slow
				}
				consider(c)
			}
		}
	}
	for _, j := range jobs {
		consider(jobBlocker(j))
	}
	if best != nil && best.logs != nil {
		best.logs.namespace = ns
	}
	return best, nil
}

// podBlocker judges one pod.
func podBlocker(p *corev1.Pod, warnings map[eventKey]corev1.Event) *candidate {
	ref := model.ObjectRef{APIVersion: "v1", Kind: "Pod", Namespace: p.Namespace, Name: p.Name}
	statuses := append(append([]corev1.ContainerStatus{}, p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...)
	for _, cs := range statuses {
		w := cs.State.Waiting
		if w == nil {
			continue
		}
		switch w.Reason {
		case "ImagePullBackOff", "ErrImagePull", "InvalidImageName", "CreateContainerConfigError", "CreateContainerError", "CrashLoopBackOff", "RunContainerError":
		default:
			continue
		}
		// The state word is the Phase; Reason is left to a Warning event
		// so that the line does not say it twice.
		c := &candidate{rank: 1, b: model.Blocker{Ref: ref, Phase: w.Reason, Message: oneLine(w.Message)}}
		if c.b.Message == "" {
			c.b.Message = "container " + cs.Name + " image " + cs.Image
		} else {
			c.b.Message = "container " + cs.Name + ": " + c.b.Message
		}
		if e, ok := warnings[eventKey{"Pod", p.Name}]; ok && w.Reason != "CrashLoopBackOff" {
			c.b.Reason, c.b.Message = e.Reason, "container "+cs.Name+": "+oneLine(e.Message)
		}
		if w.Reason == "CrashLoopBackOff" || w.Reason == "RunContainerError" {
			c.logs = &logRef{pod: p.Name, container: cs.Name, previous: cs.RestartCount > 0}
		}
		return c
	}
	if p.DeletionTimestamp != nil {
		return nil
	}
	switch p.Status.Phase {
	case corev1.PodPending:
		c := &candidate{rank: 3, b: model.Blocker{Ref: ref, Phase: string(corev1.PodPending)}}
		if e, ok := warnings[eventKey{"Pod", p.Name}]; ok {
			c.b.Reason, c.b.Message = e.Reason, oneLine(e.Message)
		} else if cond := podCondition(p, corev1.PodScheduled); cond != nil && cond.Status == corev1.ConditionFalse {
			c.b.Reason, c.b.Message = cond.Reason, oneLine(cond.Message)
		} else {
			c.rank = 7
		}
		return c
	case corev1.PodRunning:
		if cond := podCondition(p, corev1.PodReady); cond != nil && cond.Status != corev1.ConditionTrue {
			c := &candidate{rank: 5, b: model.Blocker{Ref: ref, Phase: "NotReady"}}
			if e, ok := warnings[eventKey{"Pod", p.Name}]; ok {
				c.b.Reason, c.b.Message = e.Reason, oneLine(e.Message)
			} else {
				c.b.Reason, c.b.Message = cond.Reason, oneLine(cond.Message)
			}
			return c
		}
	case corev1.PodFailed:
		return &candidate{rank: 4, b: model.Blocker{Ref: ref, Phase: string(corev1.PodFailed), Reason: p.Status.Reason, Message: oneLine(p.Status.Message)}}
	}
	return nil
}

func jobBlocker(j *unstructured.Unstructured) *candidate {
	conds, _, _ := unstructured.NestedSlice(j.Object, "status", "conditions")
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if !ok || m["type"] != "Failed" || m["status"] != "True" {
			continue
		}
		reason, _ := m["reason"].(string)
		msg, _ := m["message"].(string)
		return &candidate{rank: 4, b: model.Blocker{Ref: refOf(j), Phase: "Failed", Reason: reason, Message: oneLine(msg)}}
	}
	return nil
}

func podCondition(p *corev1.Pod, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == t {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

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

// eventKey is an event's involved object.
type eventKey struct{ kind, name string }

// latestWarnings keeps the newest Warning event per involved object.
func latestWarnings(evs []corev1.Event) map[eventKey]corev1.Event {
	out := map[eventKey]corev1.Event{}
	for _, e := range evs {
		if e.Type != corev1.EventTypeWarning {
			continue
		}
		k := eventKey{e.InvolvedObject.Kind, e.InvolvedObject.Name}
		if old, ok := out[k]; !ok || eventTime(e).After(eventTime(old)) {
			out[k] = e
		}
	}
	return out
}

// oneLine folds a message to one line for a blocker.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
