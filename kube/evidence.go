package kube

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/harbor-installer/harbor-installer/kube/model"
)

// maxEvidenceLogs bounds how many containers' logs a bundle collects.
const maxEvidenceLogs = 20

// Evidence gathers what a support bundle needs about a namespace: its
// events (oldest first, one line each), each pod's status in one line, and
// the last log lines of failing containers (waiting in a back-off, or
// restarted, or terminated with an error). Secrets are never read; event
// and status messages are the cluster's own words.
func (b *Backend) Evidence(ctx context.Context, namespace string) (*model.Evidence, error) {
	ev := &model.Evidence{Namespace: namespace, Events: []string{}, Pods: []string{}}
	rctx, cancel := b.requestCtx(ctx)
	defer cancel()
	evs, err := b.cs.CoreV1().Events(namespace).List(rctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list events in %s: %w", namespace, err)
	}
	items := evs.Items
	sort.SliceStable(items, func(i, j int) bool { return eventTime(items[i]).Before(eventTime(items[j])) })
	for _, e := range items {
		count := ""
		if e.Count > 1 {
			count = fmt.Sprintf(" (x%d)", e.Count)
		}
		ev.Events = append(ev.Events, fmt.Sprintf("%s %s %s %s/%s: %s%s",
			eventTime(e).UTC().Format(time.RFC3339), e.Type, e.Reason, e.InvolvedObject.Kind, e.InvolvedObject.Name, oneLine(e.Message), count))
	}
	pods, err := b.cs.CoreV1().Pods(namespace).List(rctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list pods in %s: %w", namespace, err)
	}
	sort.Slice(pods.Items, func(i, j int) bool { return pods.Items[i].Name < pods.Items[j].Name })
	type failing struct {
		pod, container string
		previous       bool
	}
	var logs []failing
	for _, p := range pods.Items {
		ev.Pods = append(ev.Pods, podLine(&p))
		for _, cs := range append(append([]corev1.ContainerStatus{}, p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...) {
			if containerFailing(cs) {
				logs = append(logs, failing{p.Name, cs.Name, cs.RestartCount > 0})
			}
		}
	}
	for i, f := range logs {
		if i == maxEvidenceLogs {
			break
		}
		if tail := b.logTail(ctx, namespace, f.pod, f.container, f.previous); len(tail) > 0 {
			if ev.Logs == nil {
				ev.Logs = map[string][]string{}
			}
			ev.Logs[f.pod+"/"+f.container] = tail
		}
	}
	return ev, nil
}

func containerFailing(cs corev1.ContainerStatus) bool {
	if w := cs.State.Waiting; w != nil && w.Reason != "" && w.Reason != "ContainerCreating" && w.Reason != "PodInitializing" {
		return true
	}
	if t := cs.State.Terminated; t != nil && t.ExitCode != 0 {
		return true
	}
	return cs.RestartCount > 0
}

// podLine is one pod's status: "harbor-core-7c9 Running ready 1/1 node n1;
// container core waiting CrashLoopBackOff: ...".
func podLine(p *corev1.Pod) string {
	ready, total := 0, len(p.Status.ContainerStatuses)
	for _, cs := range p.Status.ContainerStatuses {
		if cs.Ready {
			ready++
		}
	}
	var notes []string
	for _, cs := range append(append([]corev1.ContainerStatus{}, p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...) {
		switch {
		case cs.State.Waiting != nil && cs.State.Waiting.Reason != "":
			notes = append(notes, fmt.Sprintf("container %s waiting %s: %s", cs.Name, cs.State.Waiting.Reason, oneLine(cs.State.Waiting.Message)))
		case cs.State.Terminated != nil && cs.State.Terminated.ExitCode != 0:
			notes = append(notes, fmt.Sprintf("container %s terminated %s (exit %d)", cs.Name, cs.State.Terminated.Reason, cs.State.Terminated.ExitCode))
		}
		if cs.RestartCount > 0 {
			notes = append(notes, fmt.Sprintf("container %s restarted %d times", cs.Name, cs.RestartCount))
		}
	}
	s := fmt.Sprintf("%s %s ready %d/%d", p.Name, p.Status.Phase, ready, total)
	if p.Spec.NodeName != "" {
		s += " node " + p.Spec.NodeName
	}
	for _, c := range p.Status.Conditions {
		if c.Status != corev1.ConditionTrue && c.Message != "" {
			notes = append(notes, fmt.Sprintf("%s: %s %s", c.Type, c.Reason, oneLine(c.Message)))
		}
	}
	if len(notes) > 0 {
		s += "; " + strings.Join(notes, "; ")
	}
	return s
}
