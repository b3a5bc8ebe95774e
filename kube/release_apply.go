package kube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/release"

	"github.com/harbor-installer/harbor-installer/kube/model"
)

// maxHistory keeps as many revisions as the helm CLI does by default.
const maxHistory = 10

// stopGrace is how long an interrupted action may take to return.
const stopGrace = 30 * time.Second

// waitStopped waits for an action's goroutine to end (done closed); when
// ctx ends first it pulls the stop switch and waits up to stopGrace more.
// It reports whether the action ended.
func waitStopped(ctx context.Context, done <-chan struct{}, stop func()) bool {
	select {
	case <-done:
		return true
	case <-ctx.Done():
	}
	stop()
	t := time.NewTimer(stopGrace)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

// Apply installs (action.Install) or upgrades (action.Upgrade, when
// spec.Upgrade) a release without waiting for readiness: the engine watches
// the returned objects itself. Helm still runs the chart's hooks, and waits
// for hook Jobs, before Apply returns; spec.OnStart hears of the revision
// and its objects as soon as Helm has stored it. spec.DryRun renders against
// the cluster (Helm's server dry run: lookups reach the cluster, nothing is
// created) and returns the manifest. spec.Atomic is not passed to Helm (it
// would make Helm wait): on failure the engine gathers evidence and calls
// Rollback.
//
// Cancelling ctx stops the operation; it never leaves the release pending.
// Helm's own RunWithContext would return at once while the action goes on in
// a goroutine (and a process that then exits leaves pending-install or
// pending-upgrade behind). Instead the action runs with a context that is
// never cancelled, on a kube client with a stop switch: when ctx ends, every
// further create or update Helm attempts fails with "interrupted", a hook
// wait in progress ends, and Helm takes its normal failure path, storing the
// revision as failed. Apply waits for the action to return (only the
// cluster call in progress finishes: normally well under a second), then
// reads the latest revision back and, should it still be pending (Helm
// could not record the failure), stores it as failed itself. The error
// wraps ctx.Err(). Objects Helm created before the stop stay; the next run
// upgrades the failed release. Only if Helm has not returned within
// stopGrace (an API server that stopped answering) does Apply give up
// waiting and say that the release may stay pending (Recover repairs it).
func (b *Backend) Apply(ctx context.Context, spec model.ReleaseSpec) (*model.ReleaseResult, error) {
	if spec.Name == "" || spec.Namespace == "" {
		return nil, fmt.Errorf("apply release: name and namespace are required (got %q in %q)", spec.Name, spec.Namespace)
	}
	verb := "install"
	if spec.Upgrade {
		verb = "upgrade"
	}
	fail := func(err error) error {
		return fmt.Errorf("%s %s (chart %s) in %s: %w", verb, spec.Name, chartString(spec.Chart), spec.Namespace, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fail(err)
	}
	ch, reg, err := b.loadChart(spec.Chart)
	if err != nil {
		return nil, fail(err)
	}
	vals, err := copyValues(spec.Values)
	if err != nil {
		return nil, fail(err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fail(err)
	}

	stopCtx, stop := context.WithCancel(context.Background())
	defer stop()
	scope := mapperScope(b.mapper)
	var once sync.Once
	onCreate := func(rel *release.Release) {
		if spec.OnStart != nil && !spec.DryRun {
			once.Do(func() { spec.OnStart(*resultOf(rel, scope)) })
		}
	}
	cfg, err := b.actionConfig(spec.Namespace, stopCtx, false, onCreate)
	if err != nil {
		return nil, fail(err)
	}
	cfg.RegistryClient = reg
	// Kinds whose CRDs an earlier release installed must resolve.
	b.resetMapper()

	var rel *release.Release
	done := make(chan struct{})
	go func() {
		defer close(done)
		rel, err = b.runAction(cfg, spec, ch, vals)
	}()
	if !waitStopped(ctx, done, stop) {
		return nil, fail(fmt.Errorf("%w, and Helm did not stop within %s; the release may stay pending: run again with --recover", ctx.Err(), stopGrace))
	}
	interrupted := ctx.Err() != nil
	if (err != nil || interrupted) && !spec.DryRun {
		why := "failed and was marked failed by harbor-installer"
		if interrupted {
			why = "interrupted; marked failed by harbor-installer"
		}
		if _, serr := settle(cfg.Releases, spec.Name, fmt.Sprintf("%s %s", verb, why)); serr != nil {
			err = errors.Join(err, serr)
		}
	}
	if interrupted && err == nil {
		// Helm finished before noticing: the revision is deployed.
		return resultOf(rel, scope), nil
	}
	if interrupted {
		return nil, fail(fmt.Errorf("%w (%v)", ctx.Err(), err))
	}
	if err != nil {
		return nil, fail(err)
	}
	return resultOf(rel, scope), nil
}

// runAction runs Helm's install or upgrade with Wait off and a context
// that is never cancelled (see Apply: the stop switch ends it).
func (b *Backend) runAction(cfg *action.Configuration, spec model.ReleaseSpec, ch *chart.Chart, vals map[string]any) (*release.Release, error) {
	if spec.Upgrade {
		up := action.NewUpgrade(cfg)
		up.Namespace = spec.Namespace
		up.Timeout = spec.Timeout
		up.MaxHistory = maxHistory
		if spec.DryRun {
			up.DryRun, up.DryRunOption = true, "server"
		}
		return up.RunWithContext(context.Background(), spec.Name, ch, vals)
	}
	in := action.NewInstall(cfg)
	in.Namespace = spec.Namespace
	in.ReleaseName = spec.Name
	in.Timeout = spec.Timeout
	in.CreateNamespace = true
	if !spec.DryRun {
		return in.RunWithContext(context.Background(), ch, vals)
	}
	in.DryRun, in.DryRunOption = true, "server"
	rel, err := in.RunWithContext(context.Background(), ch, vals)
	if err != nil && isUnknownKind(err) {
		// A chart whose templates use the kinds of its own crds/ (the
		// Trident operator's TridentOrchestrator) cannot be checked against
		// a cluster that lacks those CRDs yet: a dry run installs nothing.
		// Render it as `helm template` would, with the cluster's version
		// and API versions, instead.
		return b.renderClientSide(cfg, spec, ch, vals)
	}
	return rel, err
}

// renderClientSide renders an install without checking objects against
// the cluster (Helm's client-only mode), with the cluster's capabilities.
func (b *Backend) renderClientSide(cfg *action.Configuration, spec model.ReleaseSpec, ch *chart.Chart, vals map[string]any) (*release.Release, error) {
	in := action.NewInstall(cfg)
	in.Namespace, in.ReleaseName = spec.Namespace, spec.Name
	in.DryRun, in.ClientOnly, in.Replace = true, true, true
	if v, err := b.cs.Discovery().ServerVersion(); err == nil {
		if kv, err := chartutil.ParseKubeVersion(v.GitVersion); err == nil {
			in.KubeVersion = kv
		}
	}
	if vs, err := action.GetVersionSet(b.disco); err == nil {
		in.APIVersions = vs
	}
	return in.RunWithContext(context.Background(), ch, vals)
}

// isUnknownKind reports Helm's error for a manifest kind the cluster does
// not serve.
func isUnknownKind(err error) bool {
	s := err.Error()
	return strings.Contains(s, "resource mapping not found") || strings.Contains(s, "no matches for kind")
}

// copyValues deep-copies the values through JSON, the form Helm stores
// them in, so that Helm's coalescing never writes into the caller's map and
// a later State compares like with like.
func copyValues(v map[string]any) (map[string]any, error) {
	out := map[string]any{}
	if len(v) == 0 {
		return out, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("values: %w", err)
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("values: %w", err)
	}
	return out, nil
}
