// Package install is the install engine: it runs a render.Plan against a
// cluster through the Cluster, Releases and Watcher interfaces (kube.Backend
// implements them with client-go, the Helm v3 SDK and kstatus; tests use
// fakes), and reports what happens as Events. It resolves the plan's secret
// sources (generated values are read back, never rotated), runs releases as
// a dependency graph, judges readiness from watches, names stalls by the
// blocking object and its event, and resumes interrupted runs. It knows
// nothing of terminals: the CLI and the wizard only render its events.
package install

import (
	"context"

	"github.com/harbor-installer/harbor-installer/kube/model"
)

// Cluster is the engine's access to plain Kubernetes objects.
type Cluster interface {
	// EnsureNamespace creates the namespace if missing; created says whether
	// it did.
	EnsureNamespace(ctx context.Context, name string) (created bool, err error)
	// GetSecret reads a Secret; found is false when it does not exist.
	GetSecret(ctx context.Context, namespace, name string) (s *model.SecretState, found bool, err error)
	// ApplySecret creates or updates a Secret by server-side apply with the
	// installer's field manager. Errors never contain the Secret's data.
	ApplySecret(ctx context.Context, s model.SecretSpec) error
	// DeleteSecret removes an installer Secret (uninstall --purge).
	DeleteSecret(ctx context.Context, namespace, name string) error
	// ApplyObject applies a plan object (apiVersion, kind, metadata and
	// content) by server-side apply; dryRun asks the server to only validate.
	ApplyObject(ctx context.Context, obj map[string]any, dryRun bool) error
	// Blocker names the object most likely holding back the given targets
	// (a Pending pod and its FailedScheduling event, a Pending PVC and its
	// ProvisioningFailed event, a crashing container with its last log
	// lines), or nil when none is seen.
	Blocker(ctx context.Context, targets []model.WatchTarget) (*model.Blocker, error)
	// Evidence gathers events, pod statuses and failing containers' last log
	// lines in a namespace, for the support bundle.
	Evidence(ctx context.Context, namespace string) (*model.Evidence, error)
}

// Releases is the engine's access to Helm.
type Releases interface {
	// State returns the latest revision of a release; Status is
	// model.ReleaseMissing when it has none.
	State(ctx context.Context, namespace, name string) (*model.ReleaseState, error)
	// Apply installs or upgrades (spec.Upgrade) without waiting for
	// readiness: the engine watches the returned objects itself. Cancelling
	// ctx must not leave the release pending: the backend waits for Helm's
	// operation to stop and marks an unfinished revision failed.
	Apply(ctx context.Context, spec model.ReleaseSpec) (*model.ReleaseResult, error)
	// Recover repairs a release left pending by a killed run: roll back to
	// the last deployed revision, or uninstall it when it never deployed.
	Recover(ctx context.Context, namespace, name string) error
	// Rollback returns to the last deployed revision (--atomic).
	Rollback(ctx context.Context, namespace, name string) error
	// Uninstall removes a release (Helm keeps PVCs the charts mark keep).
	Uninstall(ctx context.Context, namespace, name string) error
}

// Watcher turns watches (informers) into readiness updates.
type Watcher interface {
	// Watch reports each change of the targets' readiness to update, first
	// the current state of every target, until ctx ends. It returns when ctx
	// ends or the watch cannot be set up.
	Watch(ctx context.Context, targets []model.WatchTarget, update func(model.ObjectStatus)) error
}

// Backend is everything the engine needs from a cluster.
type Backend interface {
	Cluster
	Releases
	Watcher
}
