package steps

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/Masterminds/semver/v3"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/kube"
	"github.com/harbor-installer/harbor-installer/render"
)

// plannedRelease is one Helm release the plan installs.
type plannedRelease struct {
	key       string // the answer key a problem with it is reported on
	name, ns  string
	chart     answers.Chart
	kubeRange string // the chart's Kubernetes range, "" when it states none
}

// Kubernetes versions the pinned charts need. Harbor's chart states no
// kubeVersion, but its README asks for 1.20+ (and its Ingress template picks
// API versions by the server version); Trident's operator needs 1.24+;
// Velero's Chart.yaml says >=1.16.0-0; MinIO's charts state none.
var chartKubeRanges = map[string]string{
	"harbor":           ">=1.20.0-0",
	"trident-operator": ">=1.24.0-0",
	"velero":           ">=1.16.0-0",
}

// plannedReleases are the releases render.Build puts in the plan, the one
// source of their names and namespaces; each is reported on the answer
// key that brings it in.
func plannedReleases(a *answers.Answers) ([]plannedRelease, error) {
	p, err := render.Build(a)
	if err != nil {
		return nil, err
	}
	var rs []plannedRelease
	for _, r := range p.Releases {
		pr := plannedRelease{name: r.Name, ns: r.Namespace, chart: r.Chart}
		switch {
		case r.Chart == a.Charts.Harbor && r.Name == a.Harbor.ReleaseName:
			pr.key = "harbor.releaseName"
		case a.MinIO.Enabled && r.Chart == a.MinIOChart() && r.Name == a.MinIO.ReleaseName:
			pr.key = "minio.releaseName"
		case r.Chart == a.Charts.Trident:
			pr.key = "storage.trident.install"
		case r.Chart == a.Charts.Velero:
			pr.key = "backup.enabled"
		default:
			pr.key = clusterKey(a)
		}
		pr.kubeRange = chartKubeRanges[r.Chart.Name]
		rs = append(rs, pr)
	}
	return rs, nil
}

// clusterLive checks the cluster answers: the kubeconfig and context load
// and reach the server, its version suits every planned chart, the user may
// do what the plan needs, and no planned release is stuck.
func clusterLive(ctx context.Context, a *answers.Answers, env *Env) []Finding {
	if env.Cluster == nil {
		return clusterUnreachable(a, env)
	}
	rs, err := plannedReleases(a)
	if err != nil {
		// The field checks name the answer at fault; without a plan there
		// is no list of releases to check here.
		return append(checkServerVersion(ctx, a, env, nil), warn(clusterKey(a), "releases, chart ranges and permissions not checked: the plan cannot be built: "+err.Error(),
			"fix the failing field checks, then validate again"))
	}
	return Parallel(
		func() []Finding { return checkServerVersion(ctx, a, env, rs) },
		func() []Finding { return checkAccess(ctx, a, env, rs) },
		func() []Finding { return checkReleases(ctx, env, rs) },
	)
}

func clusterUnreachable(a *answers.Answers, env *Env) []Finding {
	err := env.ClusterErr
	if err == nil {
		err = errors.New("no cluster connection")
	}
	var ce *kube.ConfigError
	if errors.As(err, &ce) {
		if ce.Field == "context" {
			return []Finding{fail("cluster.context", err.Error(), "pick a context from `kubectl config get-contexts`, or leave it empty for the current one")}
		}
		return []Finding{fail("cluster.kubeconfig", err.Error(), "give the path of a kubeconfig, set KUBECONFIG, or write ~/.kube/config")}
	}
	key := "cluster.kubeconfig"
	if a.Cluster.Context != "" {
		key = "cluster.context"
	}
	hint := "check the server address, network and credentials in the kubeconfig (try `kubectl version`)"
	if isTimeout(err) {
		hint = "the API server did not answer: check VPN, firewall and the server address in the kubeconfig"
	}
	return []Finding{fail(key, "cannot reach the cluster: "+errText(err, env.timeout()), hint)}
}

func checkServerVersion(ctx context.Context, a *answers.Answers, env *Env, rs []plannedRelease) []Finding {
	v, err := env.Cluster.ServerVersion(ctx)
	if err != nil {
		return []Finding{fail(clusterKey(a), "cannot read the server version: "+errText(err, env.timeout()), "check the API server is reachable (`kubectl version`)")}
	}
	sv, err := semver.NewVersion(v.GitVersion)
	if err != nil {
		return []Finding{warn(clusterKey(a), fmt.Sprintf("server version %q is not a semantic version", v.GitVersion),
			"charts that compare kubeVersion (Harbor's Ingress template does) fail to render; use a released Kubernetes")}
	}
	var out []Finding
	for _, r := range rs {
		if r.kubeRange == "" {
			continue
		}
		c, err := semver.NewConstraint(r.kubeRange)
		if err != nil {
			continue
		}
		chartKey := "charts." + chartAnswerName(r)
		if !c.Check(sv) {
			out = append(out, fail(chartKey, fmt.Sprintf("Kubernetes %s is outside chart %s %s's range %s", v.GitVersion, r.chart.Name, r.chart.Version, r.kubeRange),
				"upgrade the cluster, or pin a chart version made for this Kubernetes"))
		}
	}
	if len(out) == 0 {
		out = append(out, ok(clusterKey(a), fmt.Sprintf("Kubernetes %s at %s; every planned chart supports it", v.GitVersion, clusterServer(env))))
	}
	return out
}

func chartAnswerName(r plannedRelease) string {
	switch r.key {
	case "minio.releaseName":
		return "minio"
	case "storage.trident.install":
		return "trident"
	case "backup.enabled":
		return "velero"
	}
	return "harbor"
}

func clusterKey(a *answers.Answers) string {
	if a.Cluster.Context != "" {
		return "cluster.context"
	}
	return "cluster.kubeconfig"
}

func clusterServer(env *Env) string {
	if c, ok := env.Cluster.(*kube.Client); ok {
		if c.Context != "" {
			return c.Server + " (context " + c.Context + ")"
		}
		return c.Server
	}
	return "the cluster"
}

// neededAccess lists what the install does with the user's credentials:
// Helm creates every chart object, the installer creates namespaces and
// Secrets, and Trident's and Velero's charts bring CRDs and cluster roles.
func neededAccess(rs []plannedRelease) []kube.Access {
	acc := []kube.Access{{Verb: "create", Resource: "namespaces"}}
	seen := map[string]bool{}
	add := func(x kube.Access) {
		if !seen[x.String()] {
			seen[x.String()] = true
			acc = append(acc, x)
		}
	}
	for _, r := range rs {
		ns := r.ns
		for _, x := range []kube.Access{
			{Verb: "create", Resource: "secrets"}, {Verb: "list", Resource: "secrets"}, {Verb: "update", Resource: "secrets"},
			{Verb: "create", Resource: "configmaps"}, {Verb: "create", Resource: "services"}, {Verb: "create", Resource: "serviceaccounts"},
			{Verb: "create", Group: "apps", Resource: "deployments"},
		} {
			x.Namespace = ns
			add(x)
		}
		switch r.key {
		case "harbor.releaseName":
			add(kube.Access{Verb: "create", Group: "apps", Resource: "statefulsets", Namespace: ns})
			add(kube.Access{Verb: "create", Resource: "persistentvolumeclaims", Namespace: ns})
			add(kube.Access{Verb: "create", Group: "networking.k8s.io", Resource: "ingresses", Namespace: ns})
		case "minio.releaseName":
			add(kube.Access{Verb: "create", Group: "apps", Resource: "statefulsets", Namespace: ns})
			add(kube.Access{Verb: "create", Group: "batch", Resource: "jobs", Namespace: ns})
		case "storage.trident.install", "backup.enabled":
			add(kube.Access{Verb: "create", Group: "apiextensions.k8s.io", Resource: "customresourcedefinitions"})
			add(kube.Access{Verb: "create", Group: "rbac.authorization.k8s.io", Resource: "clusterroles"})
			add(kube.Access{Verb: "create", Group: "rbac.authorization.k8s.io", Resource: "clusterrolebindings"})
			if r.key == "storage.trident.install" {
				add(kube.Access{Verb: "create", Group: "storage.k8s.io", Resource: "storageclasses"})
				add(kube.Access{Verb: "create", Group: "trident.netapp.io", Resource: "tridentbackendconfigs", Namespace: ns})
			} else {
				add(kube.Access{Verb: "create", Group: "batch", Resource: "jobs", Namespace: ns})
			}
		}
	}
	return acc
}

func checkAccess(ctx context.Context, a *answers.Answers, env *Env, rs []plannedRelease) []Finding {
	acc := neededAccess(rs)
	allowed := make([]bool, len(acc))
	errs := make([]error, len(acc))
	fns := make([]func() []Finding, len(acc))
	for i, x := range acc {
		fns[i] = func() []Finding {
			allowed[i], errs[i] = env.Cluster.CanI(ctx, x)
			return nil
		}
	}
	Parallel(fns...)
	var denied []string
	for i, x := range acc {
		if errs[i] != nil {
			return []Finding{fail(clusterKey(a), "cannot ask the server what this user may do: "+errText(errs[i], env.timeout()),
				"check the API server is reachable and SelfSubjectAccessReview is allowed")}
		}
		if !allowed[i] {
			denied = append(denied, x.String())
		}
	}
	if len(denied) > 0 {
		return []Finding{fail(clusterKey(a), "this user may not: "+strings.Join(denied, "; "),
			"use a context with cluster-admin, or have an administrator grant these permissions (check with `kubectl auth can-i`)")}
	}
	return []Finding{ok(clusterKey(a), fmt.Sprintf("this user may do the %d kinds of change the plan needs", len(acc)))}
}

func checkReleases(ctx context.Context, env *Env, rs []plannedRelease) []Finding {
	fns := make([]func() []Finding, len(rs))
	for i, r := range rs {
		fns[i] = func() []Finding { return checkRelease(ctx, r, env) }
	}
	return Parallel(fns...)
}

func checkRelease(ctx context.Context, r plannedRelease, env *Env) []Finding {
	rel, err := env.Cluster.HelmRelease(ctx, r.ns, r.name)
	where := fmt.Sprintf("release %s in namespace %s", r.name, r.ns)
	if err != nil {
		return []Finding{fail(r.key, "cannot read "+where+": "+errText(err, env.timeout()), "check this user may list Secrets there")}
	}
	if rel == nil {
		return []Finding{ok(r.key, where+" does not exist yet: it will be installed")}
	}
	seen := fmt.Sprintf("%s is at revision %d, %s", where, rel.Revision, rel.Status)
	if rel.Chart != "" {
		seen += fmt.Sprintf(" (chart %s %s)", rel.Chart, rel.ChartVersion)
	}
	if rel.Chart != "" && r.chart.Name != "" && rel.Chart != r.chart.Name {
		return []Finding{fail(r.key, seen+"; it holds another chart than "+r.chart.Name,
			"choose another release name, or uninstall the existing release")}
	}
	switch {
	case rel.Pending():
		// A run killed mid-install leaves the release pending; every new
		// Helm operation then fails with "another operation is in
		// progress". The install engine repairs it, so this is a warning.
		op := strings.TrimPrefix(rel.Status, "pending-")
		return []Finding{warn(r.key, seen+": an interrupted "+op+" still holds it, and Helm refuses every new operation on it",
			"run `harbor-installer install --recover`, which repairs the pending release before installing")}
	case rel.Status == "failed":
		return []Finding{warn(r.key, seen, "the last install or upgrade failed; the installer upgrades it again: look at `helm history "+r.name+" -n "+r.ns+"` if it fails again")}
	case rel.Status == "uninstalling":
		return []Finding{fail(r.key, seen, "wait for the uninstall to end, or remove the release's Secrets sh.helm.release.v1."+r.name+".*")}
	}
	return []Finding{ok(r.key, seen+": it will be upgraded")}
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
