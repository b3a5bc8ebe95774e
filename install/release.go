package install

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/kube/model"
	"github.com/harbor-installer/harbor-installer/render"
)

// release runs one release: recover a pending one, skip an unchanged one,
// else install or upgrade it and wait for its objects; then apply the plan
// objects that come after it.
func (r *run) release(ctx context.Context, rr *releaseRun) {
	rel := rr.rel
	o := r.e.o
	deadline := r.now().Add(o.Timeout)
	failWith := func(err error, b *model.Blocker) {
		if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
			err = errors.New("interrupted before it was ready")
		}
		rr.outcome, rr.err = OutcomeFailed, fmt.Errorf("release %s: %w", rel.Name, err)
		r.emit(Event{Type: ReleaseFailed, Release: rel.Name, Namespace: rel.Namespace, Revision: rr.revision, Error: err.Error(), Blocker: b})
	}
	st, err := r.e.b.State(ctx, rel.Namespace, rel.Name)
	if err != nil {
		failWith(fmt.Errorf("read its Helm history: %w", err), nil)
		return
	}
	if st.Status.Pending() {
		if !o.Recover {
			failWith(fmt.Errorf("left %s at revision %d by a run that was killed; run again with --recover to roll it back to its last deployed revision (or uninstall it if it never deployed) and continue", st.Status, st.Revision), nil)
			return
		}
		r.emit(Event{Type: ReleaseRecovering, Release: rel.Name, Namespace: rel.Namespace, Revision: st.Revision, Message: fmt.Sprintf("%s at revision %d", st.Status, st.Revision)})
		if !o.DryRun {
			if err := r.e.b.Recover(ctx, rel.Namespace, rel.Name); err != nil {
				failWith(fmt.Errorf("recover from %s: %w", st.Status, err), nil)
				return
			}
			if st, err = r.e.b.State(ctx, rel.Namespace, rel.Name); err != nil {
				failWith(fmt.Errorf("read its Helm history: %w", err), nil)
				return
			}
		}
	}
	values, err := stampRollouts(rel, r.res.Revisions())
	if err == nil {
		err = setFileValues(values, rel.FileValues, "release "+rel.Name)
	}
	if err != nil {
		failWith(err, nil)
		return
	}
	upgrade := st.Status != model.ReleaseMissing && st.Status != model.ReleaseUninstalled && st.Revision > 0
	if upgrade && st.Status == model.ReleaseDeployed && st.ChartVersion == rel.Chart.Version && SameValues(st.Values, values) {
		rr.outcome, rr.revision = OutcomeUnchanged, st.Revision
		r.emit(Event{Type: ReleaseUnchanged, Release: rel.Name, Namespace: rel.Namespace, Chart: rel.Chart.Name, Version: rel.Chart.Version, Revision: st.Revision})
		// Deployed is Helm's word, not readiness: a run that failed on a
		// stalled pod left the release deployed. The watch's first report
		// settles it at once when everything is ready.
		if !o.DryRun {
			if _, err := r.wait(ctx, rel.Name, rel.Namespace, WatchTargets(rel, nil), deadline, nil); err != nil {
				rr.outcome = ""
				failWith(err, blockerOf(err))
				return
			}
		}
		if err := r.objects(ctx, rel, deadline); err != nil {
			failWith(err, blockerOf(err))
		}
		return
	}
	act, next := ActionInstall, 1
	if upgrade {
		act, next = ActionUpgrade, st.Revision+1
	}
	rr.revision, rr.lastDeployed = next, st.LastDeployed
	ev := Event{Type: ReleaseStarted, Release: rel.Name, Namespace: rel.Namespace, Chart: rel.Chart.Name, Version: rel.Chart.Version, Action: act, Revision: next}
	if o.DryRun {
		ev.Message = "dry run"
	}
	r.emit(ev)
	spec := model.ReleaseSpec{Name: rel.Name, Namespace: rel.Namespace, Chart: ChartSource(rel.Chart), Values: values, Upgrade: upgrade, DryRun: o.DryRun, Timeout: o.Timeout}
	rr.applied = !o.DryRun
	if !o.DryRun {
		res, err := r.applyAndWait(ctx, rel, spec, act, deadline)
		if res != nil && res.Revision > 0 {
			rr.revision = res.Revision
		}
		if err != nil {
			failWith(err, blockerOf(err))
			return
		}
		if err := r.objects(ctx, rel, deadline); err != nil {
			failWith(err, blockerOf(err))
			return
		}
		rr.outcome = OutcomeReady
		r.emit(Event{Type: ReleaseReady, Release: rel.Name, Namespace: rel.Namespace, Revision: rr.revision})
		return
	}
	res, err := r.e.b.Apply(ctx, spec)
	if err != nil {
		failWith(fmt.Errorf("helm %s: %w", act, err), nil)
		return
	}
	if res.Revision > 0 {
		rr.revision = res.Revision
	}
	{
		rr.outcome = OutcomePlanned
		r.emit(Event{Type: ReleasePlanned, Release: rel.Name, Namespace: rel.Namespace, Action: act, Revision: rr.revision,
			Message: fmt.Sprintf("the server accepted the %s; %d objects would be applied", act, len(res.Objects))})
		if err := r.objects(ctx, rel, deadline); err != nil {
			failWith(err, nil)
		}
	}
}

// applyAndWait runs Helm's install or upgrade and watches the release's
// objects at the same time: progress shows while Helm's hooks run, and a
// stall inside Helm's operation is named and cancels it.
func (r *run) applyAndWait(ctx context.Context, rel *render.Release, spec model.ReleaseSpec, act Action, deadline time.Time) (*model.ReleaseResult, error) {
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan applyResult, 1)
	started := make(chan model.ReleaseResult, 1)
	ap := &applying{
		what: "helm " + string(act), done: done, started: started, cancel: cancel,
		targets: func(res model.ReleaseResult) []model.WatchTarget { return WatchTargets(rel, res.Objects, res.Hooks...) },
	}
	spec.OnStart = func(res model.ReleaseResult) {
		select {
		case started <- res:
		default:
		}
	}
	go func() {
		res, err := r.e.b.Apply(actx, spec)
		done <- applyResult{res, err}
	}()
	return r.wait(ctx, rel.Name, rel.Namespace, WatchTargets(rel, nil), deadline, ap)
}

// objects applies the plan objects that come after rel and waits for those
// with Ready matches.
func (r *run) objects(ctx context.Context, rel *render.Release, deadline time.Time) error {
	var targets []model.WatchTarget
	for _, o := range r.plan.Objects {
		if o.After != rel.Name {
			continue
		}
		ref := model.ObjectRef{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name}
		obj := objectMap(o)
		if err := setFileValues(obj, o.FileValues, ref.String()); err != nil {
			return err
		}
		if err := r.e.b.ApplyObject(ctx, obj, r.e.o.DryRun); err != nil {
			return fmt.Errorf("apply %s: %w", ref, err)
		}
		ev := Event{Type: ObjectApplied, Release: rel.Name, Namespace: o.Namespace, Object: &ref}
		if r.e.o.DryRun {
			ev.Message = "dry run"
		}
		r.emit(ev)
		if len(o.Ready) > 0 || len(o.Failed) > 0 {
			targets = append(targets, model.WatchTarget{Ref: ref, Ready: matches(o.Ready), Failed: matches(o.Failed)})
		}
	}
	if len(targets) == 0 || r.e.o.DryRun {
		return nil
	}
	_, err := r.wait(ctx, rel.Name, rel.Namespace, targets, deadline, nil)
	return err
}

// objectMap is a plan object as the API takes it: a deep copy, so that
// FileValues set in it never reach the plan.
func objectMap(o render.Object) map[string]any {
	m := deepCopy(o.Content)
	if m == nil {
		m = map[string]any{}
	}
	meta := map[string]any{"name": o.Name, "labels": map[string]any{LabelManaged: "true"}}
	if o.Namespace != "" {
		meta["namespace"] = o.Namespace
	}
	m["apiVersion"], m["kind"], m["metadata"] = o.APIVersion, o.Kind, meta
	return m
}

func matches(in []render.FieldMatch) []model.FieldMatch {
	var out []model.FieldMatch
	for _, m := range in {
		out = append(out, model.FieldMatch{Path: m.Path, Value: m.Value})
	}
	return out
}

// watchedKinds are the kinds of a release's manifest whose readiness counts.
var watchedKinds = map[string]bool{"Deployment": true, "StatefulSet": true, "DaemonSet": true, "Job": true, "PersistentVolumeClaim": true}

// WatchTargets are what a release waits on: the workloads, Jobs and PVCs
// of its manifest, its hook Jobs (done when Helm deleted them), plus the
// plan's Waits (custom resources with field matches), a Wait taking the
// place of the same object's entry.
func WatchTargets(rel *render.Release, objects []model.ObjectRef, hooks ...model.ObjectRef) []model.WatchTarget {
	var out []model.WatchTarget
	seen := map[model.ObjectRef]bool{}
	for _, w := range rel.Waits {
		ref := model.ObjectRef{APIVersion: w.APIVersion, Kind: w.Kind, Namespace: w.Namespace, Name: w.Name}
		if ref.Namespace == "" && namespaced(w.Kind) {
			ref.Namespace = rel.Namespace
		}
		seen[ref] = true
		// Helm deletes a hook Job on success, possibly before we look.
		out = append(out, model.WatchTarget{Ref: ref, Hook: w.Hook, Optional: w.Hook, Ready: matches(w.Ready), Failed: matches(w.Failed)})
	}
	for _, ref := range objects {
		if !watchedKinds[ref.Kind] {
			continue
		}
		if ref.Namespace == "" {
			ref.Namespace = rel.Namespace
		}
		if seen[ref] {
			continue
		}
		seen[ref] = true
		out = append(out, model.WatchTarget{Ref: ref})
	}
	// Hook Jobs: Helm deletes them on success, so absence counts.
	for _, ref := range hooks {
		if ref.Kind != "Job" {
			continue
		}
		if ref.Namespace == "" {
			ref.Namespace = rel.Namespace
		}
		if seen[ref] {
			continue
		}
		seen[ref] = true
		out = append(out, model.WatchTarget{Ref: ref, Hook: true, Optional: true})
	}
	return out
}

func namespaced(kind string) bool {
	switch kind {
	case "StorageClass", "Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PersistentVolume", "TridentOrchestrator":
		return false
	}
	return true
}

// ChartSource maps an answers chart to the backend's: an https repository
// and chart name, an oci:// reference (plain HTTP only to a loopback
// registry, as the test world runs), or a local directory or .tgz.
func ChartSource(c answers.Chart) model.ChartSource {
	switch {
	case strings.HasPrefix(c.Source, "oci://"):
		return model.ChartSource{Ref: c.Source, Version: c.Version, PlainHTTP: loopbackHost(c.Source)}
	case strings.HasPrefix(c.Source, "https://"), strings.HasPrefix(c.Source, "http://"):
		return model.ChartSource{Ref: c.Name, RepoURL: c.Source, Version: c.Version}
	}
	return model.ChartSource{Ref: c.Source, Version: c.Version}
}

// stampRollouts copies the release's values and writes, into each
// SecretRollout's pod annotation map, the revision of each listed Secret:
// a changed Secret changes the values and rolls exactly those pods.
func stampRollouts(rel *render.Release, revs map[string]int) (map[string]any, error) {
	values := deepCopy(rel.Values)
	if values == nil {
		values = map[string]any{}
	}
	for _, ro := range rel.SecretRollouts {
		m := values
		for _, k := range strings.Split(ro.Path, ".") {
			next, ok := m[k]
			if !ok || next == nil {
				nm := map[string]any{}
				m[k] = nm
				m = nm
				continue
			}
			nm, ok := next.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("release %s: secretRollout path %s: %s is not a map", rel.Name, ro.Path, k)
			}
			m = nm
		}
		for _, id := range ro.Secrets {
			m[RolloutAnnotation(id)] = strconv.Itoa(revs[id])
		}
	}
	return values, nil
}

// RolloutAnnotation is the pod annotation that carries a Secret's revision.
func RolloutAnnotation(secretID string) string {
	_, name, _ := strings.Cut(secretID, "/")
	key := "secret-rev-" + name
	if len(key) > 63 { // an annotation name's limit
		key = key[:63]
	}
	return "harbor-installer.io/" + key
}

// deepCopy copies maps and lists; scalars are shared (immutable).
func deepCopy(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = copyValue(v)
	}
	return out
}

func copyValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		return deepCopy(t)
	case []any:
		l := make([]any, len(t))
		for i := range t {
			l[i] = copyValue(t[i])
		}
		return l
	}
	return v
}

// SameValues compares two values trees by their canonical JSON (sorted
// keys; numbers as JSON numbers), so 3 and 3.0 from Helm's record agree.
func SameValues(a, b map[string]any) bool {
	ca, err1 := canonical(a)
	cb, err2 := canonical(b)
	return err1 == nil && err2 == nil && ca == cb
}

func canonical(m map[string]any) (string, error) {
	if len(m) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", err
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return "", err
	}
	b, err = json.Marshal(v)
	return string(b), err
}

// ChangedPaths lists the dotted values paths whose values differ between
// deployed and desired (for `diff`): maps are descended, lists and scalars
// compared whole.
func ChangedPaths(deployed, desired map[string]any) []string {
	var out []string
	var walk func(prefix string, a, b any)
	walk = func(prefix string, a, b any) {
		ma, oka := a.(map[string]any)
		mb, okb := b.(map[string]any)
		if oka && okb {
			keys := map[string]bool{}
			for k := range ma {
				keys[k] = true
			}
			for k := range mb {
				keys[k] = true
			}
			sorted := make([]string, 0, len(keys))
			for k := range keys {
				sorted = append(sorted, k)
			}
			sort.Strings(sorted)
			for _, k := range sorted {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				walk(p, ma[k], mb[k])
			}
			return
		}
		if !sameJSON(a, b) {
			out = append(out, prefix)
		}
	}
	walk("", normalize(deployed), normalize(desired))
	return out
}

func normalize(m map[string]any) any {
	b, err := json.Marshal(m)
	if err != nil {
		return m
	}
	var v any
	if json.Unmarshal(b, &v) != nil {
		return m
	}
	return v
}

func sameJSON(a, b any) bool { return reflect.DeepEqual(a, b) }

func loopbackHost(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	h := u.Hostname()
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
