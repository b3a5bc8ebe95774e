package kube

import (
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"

	"github.com/harbor-installer/harbor-installer/kube/model"
)

// readiness judges one watched object. u is the live object, nil when it
// does not exist; existed says it was seen before (a hook Job that existed
// and is gone was deleted by Helm after it succeeded).
//
// Custom resources with field matches are judged by them (a Failed match
// first, then all Ready matches); everything else by kstatus, whose rules
// cover Deployments, StatefulSets, DaemonSets, Jobs, Pods, PVCs, Services
// and resources that follow the conditions conventions.
func readiness(t model.WatchTarget, u *unstructured.Unstructured, existed bool, now time.Time) model.ObjectStatus {
	st := model.ObjectStatus{Ref: t.Ref, Observed: now}
	if u == nil {
		if t.Hook && existed {
			st.State, st.Message = model.Gone, "deleted by Helm after it succeeded"
			return st
		}
		st.State, st.Message = model.Pending, "not created yet"
		return st
	}
	st.Ready, st.Desired = replicaCounts(u)
	if len(t.Ready) > 0 || len(t.Failed) > 0 {
		st.State, st.Message = matchState(u, t)
	} else {
		st.State, st.Message = kstatusState(u)
	}
	if st.State == model.Ready {
		st.ReadySince = readySince(u)
	}
	return st
}

// kstatusState folds kstatus' result into the engine's states.
func kstatusState(u *unstructured.Unstructured) (model.Readiness, string) {
	res, err := status.Compute(u)
	if err != nil {
		return model.InProgress, "status unknown: " + err.Error()
	}
	switch res.Status {
	case status.CurrentStatus:
		return model.Ready, res.Message
	case status.FailedStatus:
		return model.Failed, res.Message
	case status.TerminatingStatus:
		return model.InProgress, "terminating"
	default:
		return model.InProgress, res.Message
	}
}

// matchState applies a target's field matches.
func matchState(u *unstructured.Unstructured, t model.WatchTarget) (model.Readiness, string) {
	for _, m := range t.Failed {
		if v, ok := fieldString(u.Object, m.Path); ok && v == m.Value {
			return model.Failed, fmt.Sprintf("%s is %s", trimPath(m.Path), v)
		}
	}
	var waiting []string
	for _, m := range t.Ready {
		v, ok := fieldString(u.Object, m.Path)
		switch {
		case !ok:
			waiting = append(waiting, fmt.Sprintf("%s not set (want %s)", trimPath(m.Path), m.Value))
		case v != m.Value:
			waiting = append(waiting, fmt.Sprintf("%s is %s (want %s)", trimPath(m.Path), v, m.Value))
		}
	}
	if len(waiting) > 0 {
		return model.InProgress, strings.Join(waiting, "; ")
	}
	if len(t.Ready) == 0 {
		// Only Failed matches: kstatus judges the rest.
		return kstatusState(u)
	}
	var held []string
	for _, m := range t.Ready {
		held = append(held, m.Value)
	}
	return model.Ready, strings.Join(held, ", ")
}

func trimPath(p string) string { return strings.TrimPrefix(p, ".") }

// fieldString reads a dotted path (".status.phase") as a string; numbers
// and booleans are formatted.
func fieldString(obj map[string]any, path string) (string, bool) {
	parts := strings.Split(trimPath(path), ".")
	v, ok, err := unstructured.NestedFieldNoCopy(obj, parts...)
	if err != nil || !ok || v == nil {
		return "", false
	}
	switch x := v.(type) {
	case string:
		return x, true
	case map[string]any, []any:
		return "", false
	default:
		return fmt.Sprint(x), true
	}
}

// replicaCounts reports ready and desired pods of workloads.
func replicaCounts(u *unstructured.Unstructured) (ready, desired int) {
	get := func(path ...string) (int, bool) {
		v, ok, err := unstructured.NestedInt64(u.Object, path...)
		if err != nil || !ok {
			return 0, false
		}
		return int(v), true
	}
	switch u.GetKind() {
	case "Deployment", "StatefulSet", "ReplicaSet":
		d, ok := get("spec", "replicas")
		if !ok {
			d = 1
		}
		r, _ := get("status", "readyReplicas")
		return r, d
	case "DaemonSet":
		d, _ := get("status", "desiredNumberScheduled")
		r, _ := get("status", "numberReady")
		return r, d
	case "Job":
		d, ok := get("spec", "completions")
		if !ok {
			d = 1
		}
		r, _ := get("status", "succeeded")
		return r, d
	}
	return 0, 0
}

// readySince is the newest lastTransitionTime of a true Available, Ready
// or Complete condition: when the object itself says it turned ready.
func readySince(u *unstructured.Unstructured) time.Time {
	conds, ok, err := unstructured.NestedSlice(u.Object, "status", "conditions")
	if err != nil || !ok {
		return time.Time{}
	}
	var since time.Time
	for _, c := range conds {
		m, ok := c.(map[string]any)
		if !ok || m["status"] != "True" {
			continue
		}
		switch m["type"] {
		case "Available", "Ready", "Complete":
		default:
			continue
		}
		s, _ := m["lastTransitionTime"].(string)
		var t metav1.Time
		if err := t.UnmarshalQueryParameter(s); err == nil && t.Time.After(since) {
			since = t.Time
		}
	}
	return since
}
