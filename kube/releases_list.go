package kube

import (
	"context"
	"fmt"
	"sort"
	"time"

	"helm.sh/helm/v3/pkg/release"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/harbor-installer/harbor-installer/kube/model"
)

// ListReleases returns the latest revision of every Helm release in the
// namespaces (sorted by namespace, then name), each with its objects and
// its workloads' readiness now: what `harbor-installer status` shows.
// Values are included (never printed by status: model.ReleaseState does
// not serialise them).
func (b *Backend) ListReleases(ctx context.Context, namespaces []string) ([]model.ReleaseDetail, error) {
	var out []model.ReleaseDetail
	scope := mapperScope(b.mapper)
	for _, ns := range namespaces {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		revs, err := b.storageFor(ns).Driver.List(func(*release.Release) bool { return true })
		if err != nil {
			return nil, fmt.Errorf("list Helm releases in %s: %w", ns, err)
		}
		latest := map[string]*release.Release{}
		deployed := map[string]int{}
		for _, r := range revs {
			if r.Info == nil {
				continue
			}
			if l := latest[r.Name]; l == nil || r.Version > l.Version {
				latest[r.Name] = r
			}
			if r.Info.Status == release.StatusDeployed && r.Version > deployed[r.Name] {
				deployed[r.Name] = r.Version
			}
		}
		names := make([]string, 0, len(latest))
		for n := range latest {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			d := detailOf(latest[n], scope)
			d.LastDeployed = deployed[n]
			d.Workloads = b.workloads(ctx, d.Objects)
			out = append(out, d)
		}
	}
	return out, nil
}

// DeployedRelease returns the newest deployed revision of a release with
// its objects (nil when it never deployed): what the wizard's diff compares
// new answers against, and what the engine watches for a release it leaves
// unchanged.
func (b *Backend) DeployedRelease(ctx context.Context, namespace, name string) (*model.ReleaseDetail, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	_, deployed, err := history(b.storageFor(namespace), name)
	if err != nil {
		return nil, fmt.Errorf("read release %s in %s: %w", name, namespace, err)
	}
	if deployed == nil {
		return nil, nil
	}
	d := detailOf(deployed, mapperScope(b.mapper))
	d.LastDeployed = deployed.Version
	return &d, nil
}

func detailOf(r *release.Release, scope scopeFunc) model.ReleaseDetail {
	d := model.ReleaseDetail{ReleaseState: model.ReleaseState{Name: r.Name, Namespace: r.Namespace}}
	fillState(&d.ReleaseState, r)
	d.Objects = manifestObjects(r.Manifest, r.Namespace, scope)
	d.Hooks = hookObjects(r.Hooks, r.Namespace, scope)
	return d
}

// workloads reads the readiness of the Deployments, StatefulSets and
// DaemonSets among objs; one that cannot be read shows as Pending.
func (b *Backend) workloads(ctx context.Context, objs []model.ObjectRef) []model.ObjectStatus {
	var out []model.ObjectStatus
	for _, o := range objs {
		switch o.Kind {
		case "Deployment", "StatefulSet", "DaemonSet":
		default:
			continue
		}
		t := model.WatchTarget{Ref: o}
		ri, err := b.resourceFor(o)
		if err != nil {
			out = append(out, readiness(t, nil, false, time.Now()))
			continue
		}
		rctx, cancel := b.requestCtx(ctx)
		u, err := ri.Get(rctx, o.Name, metav1.GetOptions{})
		cancel()
		if err != nil {
			out = append(out, readiness(t, nil, false, time.Now()))
			continue
		}
		out = append(out, readiness(t, u, true, time.Now()))
	}
	return out
}
