package kube

import (
	"context"
	"errors"
	"fmt"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/storage/driver"
)

// repairTimeout bounds the hooks of a rollback or uninstall.
const repairTimeout = 5 * time.Minute

// Recover repairs a release left pending (pending-install, pending-upgrade,
// pending-rollback) by a process that was killed: the pending revision is
// stored as failed, then the release is rolled back to its last deployed
// revision, or uninstalled (PVCs kept) when it never deployed. A release
// that is not pending is left alone (nil).
func (b *Backend) Recover(ctx context.Context, namespace, name string) error {
	st, err := b.State(ctx, namespace, name)
	if err != nil {
		return err
	}
	if !st.Status.Pending() {
		return nil
	}
	latest, _, err := history(b.storageFor(namespace), name)
	if err != nil || latest == nil {
		return fmt.Errorf("recover release %s in %s: %w", name, namespace, err)
	}
	why := fmt.Sprintf("%s left by an interrupted run; marked failed by harbor-installer", latest.Info.Status)
	if err := markFailed(b.storageFor(namespace), latest, why); err != nil {
		return fmt.Errorf("recover release %s in %s: %w", name, namespace, err)
	}
	if st.LastDeployed == 0 {
		return b.Uninstall(ctx, namespace, name)
	}
	return b.rollbackTo(ctx, namespace, name, st.LastDeployed)
}

// Rollback returns a release to its last deployed revision (a new revision
// with that one's chart and values; Helm's rollback hooks run, Wait is off:
// the engine watches). A release that never deployed is uninstalled
// instead, as helm's --atomic install does; PVCs are kept. A pending latest
// revision is first stored as failed (Helm refuses to act on pending ones).
func (b *Backend) Rollback(ctx context.Context, namespace, name string) error {
	store := b.storageFor(namespace)
	latest, deployed, err := history(store, name)
	if err != nil {
		return fmt.Errorf("rollback release %s in %s: %w", name, namespace, err)
	}
	if latest == nil {
		return fmt.Errorf("rollback release %s in %s: no such release", name, namespace)
	}
	if deployed == nil {
		return b.Uninstall(ctx, namespace, name)
	}
	if latest.Version == deployed.Version {
		return nil // already at the deployed revision
	}
	if latest.Info.Status.IsPending() {
		if err := markFailed(store, latest, "rolled back by harbor-installer"); err != nil {
			return err
		}
	}
	return b.rollbackTo(ctx, namespace, name, deployed.Version)
}

func (b *Backend) rollbackTo(ctx context.Context, namespace, name string, revision int) error {
	err := b.runStoppable(ctx, namespace, false, func(cfg *action.Configuration) error {
		rb := action.NewRollback(cfg)
		rb.Version = revision
		rb.Timeout = repairTimeout
		rb.MaxHistory = maxHistory
		return rb.Run(name)
	}, name, "rollback")
	if err != nil {
		return fmt.Errorf("rollback release %s in %s to revision %d: %w", name, namespace, revision, err)
	}
	return nil
}

// Uninstall removes a release and its history (like helm uninstall), with
// its pre/post-delete hooks, without waiting for objects to go. It never
// deletes PersistentVolumeClaims, those in the chart's manifest included:
// data outlives the release (uninstall --purge is for the installer's
// Secrets, not volumes). A missing release is fine.
func (b *Backend) Uninstall(ctx context.Context, namespace, name string) error {
	err := b.runStoppable(ctx, namespace, true, func(cfg *action.Configuration) error {
		un := action.NewUninstall(cfg)
		un.Timeout = repairTimeout
		un.IgnoreNotFound = true
		_, err := un.Run(name)
		if errors.Is(err, driver.ErrReleaseNotFound) {
			return nil
		}
		return err
	}, name, "uninstall")
	if err != nil {
		return fmt.Errorf("uninstall release %s in %s: %w", name, namespace, err)
	}
	return nil
}

// runStoppable runs a Helm action that cancelling ctx stops the way Apply's
// are stopped (see Apply), then settles a revision it left pending.
func (b *Backend) runStoppable(ctx context.Context, namespace string, keepPVCs bool, run func(*action.Configuration) error, name, verb string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	stopCtx, stop := context.WithCancel(context.Background())
	defer stop()
	cfg, err := b.actionConfig(namespace, stopCtx, keepPVCs, nil)
	if err != nil {
		return err
	}
	b.resetMapper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		err = run(cfg)
	}()
	if !waitStopped(ctx, done, stop) {
		return fmt.Errorf("%w, and Helm did not stop within %s; the release may stay pending: run again with --recover", ctx.Err(), stopGrace)
	}
	if ctx.Err() != nil || err != nil {
		if _, serr := settle(cfg.Releases, name, verb+" interrupted or failed; marked failed by harbor-installer"); serr != nil {
			err = errors.Join(err, serr)
		}
	}
	if ctx.Err() != nil && err != nil {
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return err
}
