package kube

import (
	"context"
	"errors"
	"fmt"

	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"

	"github.com/harbor-installer/harbor-installer/kube/model"
)

// State returns the latest revision of a release from Helm's Secret
// storage: its status, chart, chart version, user-supplied values and the
// newest deployed revision. Status is model.ReleaseMissing when the release
// has no revision (never installed, or uninstalled without history).
func (b *Backend) State(ctx context.Context, namespace, name string) (*model.ReleaseState, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	latest, deployed, err := history(b.storageFor(namespace), name)
	if err != nil {
		return nil, fmt.Errorf("read release %s in %s: %w", name, namespace, err)
	}
	st := &model.ReleaseState{Name: name, Namespace: namespace}
	if latest == nil {
		return st, nil
	}
	fillState(st, latest)
	if deployed != nil {
		st.LastDeployed = deployed.Version
	}
	return st, nil
}

// history returns the latest revision and the newest deployed one (either
// nil when there is none).
func history(store *storage.Storage, name string) (latest, deployed *release.Release, err error) {
	revs, err := store.History(name)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	for _, r := range revs {
		if r.Info == nil {
			continue
		}
		if latest == nil || r.Version > latest.Version {
			latest = r
		}
		if r.Info.Status == release.StatusDeployed && (deployed == nil || r.Version > deployed.Version) {
			deployed = r
		}
	}
	return latest, deployed, nil
}

func fillState(st *model.ReleaseState, r *release.Release) {
	st.Status = model.ReleaseStatus(r.Info.Status)
	st.Revision = r.Version
	if r.Chart != nil && r.Chart.Metadata != nil {
		st.Chart, st.ChartVersion, st.AppVersion = r.Chart.Metadata.Name, r.Chart.Metadata.Version, r.Chart.Metadata.AppVersion
	}
	st.Values = r.Config
	if st.Values == nil {
		st.Values = map[string]any{}
	}
	st.Updated = r.Info.LastDeployed.Time
}

// settle makes sure the latest revision of a release is not left pending
// after an action of ours ended (interrupted, or Helm failed to record the
// failure): a pending revision is stored as failed, with why in its
// description. It returns the status the revision ends with.
func settle(store *storage.Storage, name, why string) (release.Status, error) {
	latest, _, err := history(store, name)
	if err != nil || latest == nil {
		return "", err
	}
	if !latest.Info.Status.IsPending() {
		return latest.Info.Status, nil
	}
	if err := markFailed(store, latest, why); err != nil {
		return latest.Info.Status, err
	}
	return release.StatusFailed, nil
}

// markFailed stores a revision as failed (Helm's own word for an operation
// that did not finish), which lets helm and the installer upgrade or roll
// back again.
func markFailed(store *storage.Storage, r *release.Release, why string) error {
	r.Info.Status = release.StatusFailed
	r.Info.Description = why
	if err := store.Update(r); err != nil {
		return fmt.Errorf("mark release %s revision %d failed: %w", r.Name, r.Version, err)
	}
	return nil
}
