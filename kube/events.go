package kube

import (
	"bufio"
	"bytes"
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// eventTime is when an event last happened: the newest of its series,
// lastTimestamp, eventTime and creation.
func eventTime(e corev1.Event) time.Time {
	t := e.CreationTimestamp.Time
	for _, c := range []time.Time{e.FirstTimestamp.Time, e.LastTimestamp.Time, e.EventTime.Time} {
		if c.After(t) {
			t = c
		}
	}
	if e.Series != nil && e.Series.LastObservedTime.Time.After(t) {
		t = e.Series.LastObservedTime.Time
	}
	return t
}

// logTail returns the last lines of a container's log (its previous run
// when it restarted), or nil when logs cannot be read: kwok's simulated
// nodes have none, and a missing log must not hide the blocker itself.
func (b *Backend) logTail(ctx context.Context, namespace, pod, container string, previous bool) []string {
	if namespace == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	lines := int64(logTailLines)
	raw, err := b.cs.CoreV1().Pods(namespace).GetLogs(pod, &corev1.PodLogOptions{Container: container, TailLines: &lines, Previous: previous}).DoRaw(ctx)
	if err != nil && previous {
		raw, err = b.cs.CoreV1().Pods(namespace).GetLogs(pod, &corev1.PodLogOptions{Container: container, TailLines: &lines}).DoRaw(ctx)
	}
	if err != nil {
		return nil
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	if len(out) > logTailLines {
		out = out[len(out)-logTailLines:]
	}
	return out
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
