package kube

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

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
//  4. a failed Job's condition, a custom resource whose Failed match
//     holds, a workload whose controller cannot create pods (FailedCreate
//     on it or its ReplicaSet);
//  5. a running pod that is not Ready, with its latest Warning (Unhealthy);
//  6. a custom resource still short of its Ready matches, with its
//     status message or latest Warning.
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
	for _, t := range targets {
		if t.Ref.Namespace == "" { // cluster-scoped custom resources
			if c := b.targetBlocker(ctx, t, nil); c != nil && (best == nil || c.rank < best.rank) {
				best = c
			}
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
	for _, t := range targets {
		if t.Ref.Namespace == ns {
			consider(b.targetBlocker(ctx, t, warnings))
		}
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
