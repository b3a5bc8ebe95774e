package install

import (
	"context"
	"fmt"
	"time"

	"github.com/harbor-installer/harbor-installer/kube/model"
	"github.com/harbor-installer/harbor-installer/render"
)

// ReleaseDiff is what installing the plan would change in one release.
type ReleaseDiff struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	// Installed is false when the release is not in the cluster.
	Installed bool                `json:"installed"`
	Status    model.ReleaseStatus `json:"status,omitempty"`
	Revision  int                 `json:"revision,omitempty"`
	// FromVersion and ToVersion are the chart versions (equal: no change).
	FromVersion string `json:"fromVersion,omitempty"`
	ToVersion   string `json:"toVersion"`
	// ChangedPaths are the values paths that would change.
	ChangedPaths []string `json:"changedPaths,omitempty"`
}

// SecretDiff says only whether an installer Secret would change.
type SecretDiff struct {
	Secret string       `json:"secret"`
	Change SecretChange `json:"change"`
}

// Diff is `diff`'s answer.
type Diff struct {
	Releases []ReleaseDiff `json:"releases"`
	Secrets  []SecretDiff  `json:"secrets"`
}

// Changed reports whether anything would change.
func (d *Diff) Changed() bool {
	for _, r := range d.Releases {
		if !r.Installed || r.FromVersion != r.ToVersion || len(r.ChangedPaths) > 0 {
			return true
		}
	}
	for _, s := range d.Secrets {
		if s.Change != SecretUnchanged {
			return true
		}
	}
	return false
}

// PlanDiff compares the plan with the cluster without changing anything:
// per release the chart version and the changed values paths (after
// SecretRollouts stamping and FileValues, as Run would send them), per Secret only
// whether its data would change (never the values).
func PlanDiff(ctx context.Context, b Backend, plan *render.Plan) (*Diff, error) {
	if err := Validate(plan); err != nil {
		return nil, err
	}
	res, err := ResolveSecrets(ctx, b, plan)
	if err != nil {
		return nil, err
	}
	d := &Diff{Releases: []ReleaseDiff{}, Secrets: []SecretDiff{}}
	for _, s := range res.Secrets {
		d.Secrets = append(d.Secrets, SecretDiff{Secret: s.ID, Change: s.Change})
	}
	revs := res.Revisions()
	for i := range plan.Releases {
		rel := &plan.Releases[i]
		st, err := b.State(ctx, rel.Namespace, rel.Name)
		if err != nil {
			return nil, fmt.Errorf("release %s: %w", rel.Name, err)
		}
		values, err := stampRollouts(rel, revs)
		if err == nil {
			err = setFileValues(values, rel.FileValues, "release "+rel.Name)
		}
		if err != nil {
			return nil, err
		}
		rd := ReleaseDiff{Name: rel.Name, Namespace: rel.Namespace, ToVersion: rel.Chart.Version}
		if st.Status != model.ReleaseMissing && st.Status != model.ReleaseUninstalled {
			rd.Installed, rd.Status, rd.Revision, rd.FromVersion = true, st.Status, st.Revision, st.ChartVersion
			rd.ChangedPaths = ChangedPaths(st.Values, values)
		}
		d.Releases = append(d.Releases, rd)
	}
	return d, nil
}

// ReleaseStatus is one release as `status` shows it.
type ReleaseStatus struct {
	Name      string              `json:"name"`
	Namespace string              `json:"namespace"`
	Status    model.ReleaseStatus `json:"status"`
	Revision  int                 `json:"revision,omitempty"`
	Chart     string              `json:"chart,omitempty"`
	Version   string              `json:"version,omitempty"`
	Updated   time.Time           `json:"updated,omitempty"`
	// Objects are the readiness of the release's Waits.
	Objects []model.ObjectStatus `json:"objects"`
}

// Status reads each release of the plan and the current readiness of its
// Waits (one look through the watcher: its first report of each target).
func Status(ctx context.Context, b Backend, plan *render.Plan, settle time.Duration) ([]ReleaseStatus, error) {
	out := []ReleaseStatus{}
	for i := range plan.Releases {
		rel := &plan.Releases[i]
		st, err := b.State(ctx, rel.Namespace, rel.Name)
		if err != nil {
			return nil, fmt.Errorf("release %s: %w", rel.Name, err)
		}
		rs := ReleaseStatus{Name: rel.Name, Namespace: rel.Namespace, Status: st.Status, Revision: st.Revision, Chart: st.Chart, Version: st.ChartVersion, Updated: st.Updated, Objects: []model.ObjectStatus{}}
		if rs.Status == model.ReleaseMissing {
			rs.Status = "not installed"
		} else {
			targets := WatchTargets(rel, nil)
			seen := map[model.ObjectRef]model.ObjectStatus{}
			wctx, cancel := context.WithTimeout(ctx, settle)
			var mu = make(chan struct{}, 1)
			mu <- struct{}{}
			_ = b.Watch(wctx, targets, func(s model.ObjectStatus) {
				<-mu
				seen[s.Ref] = s
				all := len(seen) >= len(targets)
				mu <- struct{}{}
				if all {
					cancel()
				}
			})
			cancel()
			<-mu
			for _, t := range targets {
				s, ok := seen[t.Ref]
				if !ok {
					s = model.ObjectStatus{Ref: t.Ref, State: model.Pending, Message: "no status seen"}
				}
				rs.Objects = append(rs.Objects, s)
			}
		}
		out = append(out, rs)
	}
	return out, nil
}

// UninstallOptions tune Uninstall.
type UninstallOptions struct {
	// Purge also deletes the installer's Secrets (generated passwords and
	// keys are lost). PVCs and buckets are always kept.
	Purge bool
}

// Uninstall removes the plan's releases in reverse dependency order (a
// release before the releases it needs), then with Purge the installer's
// Secrets. It reports each step as an event.
func Uninstall(ctx context.Context, b Backend, plan *render.Plan, o UninstallOptions, sink func(Event)) error {
	if err := Validate(plan); err != nil {
		return err
	}
	start := time.Now()
	emit := func(e Event) {
		e.Time = time.Now()
		e.Elapsed = e.Time.Sub(start)
		if sink != nil {
			sink(e)
		}
	}
	for _, name := range ReverseOrder(plan) {
		rel := plan.Release(name)
		st, err := b.State(ctx, rel.Namespace, rel.Name)
		if err != nil {
			return fmt.Errorf("release %s: %w", name, err)
		}
		if st.Status == model.ReleaseMissing || st.Status == model.ReleaseUninstalled {
			emit(Event{Type: ReleaseSkipped, Release: name, Namespace: rel.Namespace, Message: "not installed"})
			continue
		}
		if err := b.Uninstall(ctx, rel.Namespace, rel.Name); err != nil {
			return fmt.Errorf("uninstall %s: %w", name, err)
		}
		emit(Event{Type: ReleaseReady, Release: name, Namespace: rel.Namespace, Message: "uninstalled"})
	}
	if o.Purge {
		for _, s := range plan.Secrets {
			if err := b.DeleteSecret(ctx, s.Namespace, s.Name); err != nil {
				return fmt.Errorf("delete secret %s/%s: %w", s.Namespace, s.Name, err)
			}
			emit(Event{Type: SecretUpdated, Secret: s.Namespace + "/" + s.Name, Namespace: s.Namespace, Message: "deleted (--purge)"})
		}
	}
	return nil
}

// ReverseOrder lists the plan's releases so that each comes before every
// release it needs (uninstall order), ties in reverse plan order.
func ReverseOrder(plan *render.Plan) []string {
	var order []string
	done := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		if done[name] {
			return
		}
		done[name] = true
		for _, n := range plan.Release(name).Needs {
			visit(n)
		}
		order = append(order, name)
	}
	for _, r := range plan.Releases {
		visit(r.Name)
	}
	for i, j := 0, len(order)-1; i < j; i, j = i+1, j-1 {
		order[i], order[j] = order[j], order[i]
	}
	return order
}
