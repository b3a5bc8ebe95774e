package verify

import (
	"context"
	"fmt"
	"os"

	corev1 "k8s.io/api/core/v1"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/steps"
)

// SimulatedEnv set to 1 says the cluster is the local simulated one
// (harbor-installer-demo sets it for the wizard it starts).
const SimulatedEnv = "HARBOR_INSTALLER_SIMULATED"

// FakeNodeAnnotation marks a node kwok plays: it has no kubelet, so no
// container ever runs on it (the test world and the demo use only these).
const FakeNodeAnnotation = "kwok.x-k8s.io/node"

// NotVerifiedSimulated is the Seen of the one finding AfterInstall makes on
// a simulated cluster, instead of checks that cannot pass there.
const NotVerifiedSimulated = "Harbor was not verified end to end: simulated cluster (no containers run)"

// NodeLister lists the cluster's nodes; *kube.Client fits.
type NodeLister interface {
	Nodes(ctx context.Context) ([]corev1.Node, error)
}

// Simulated says why the cluster runs no containers ("" when it may): the
// SimulatedEnv variable, or every node being a kwok fake node. A cluster
// whose nodes cannot be listed counts as real, so its checks run and say
// what is wrong.
func Simulated(ctx context.Context, nodes NodeLister) string {
	if os.Getenv(SimulatedEnv) == "1" {
		return SimulatedEnv + "=1"
	}
	if nodes == nil {
		return ""
	}
	ns, err := nodes.Nodes(ctx)
	if err != nil || len(ns) == 0 {
		return ""
	}
	for _, n := range ns {
		if n.Annotations[FakeNodeAnnotation] != "fake" {
			return ""
		}
	}
	return fmt.Sprintf("every node (%d) is a kwok fake node (%s=fake)", len(ns), FakeNodeAnnotation)
}

// AfterInstall is what install and the wizard run once the plan is done:
// on a simulated cluster one warning saying Harbor was not verified;
// otherwise Run, then, when the admin could log in and the answers ask for
// projects or migration, Setup. report gets each finding as it is made.
// The error is set only when ctx ended.
func AfterInstall(ctx context.Context, a *answers.Answers, opts Options, report func(steps.Finding)) ([]steps.Finding, error) {
	if why := Simulated(ctx, opts.Nodes); why != "" {
		f := warnf("cluster", NotVerifiedSimulated,
			why+"; on a real cluster install proves Harbor here as harbor-installer verify does")
		if report != nil {
			report(f)
		}
		return []steps.Finding{f}, nil
	}
	fs, err := Run(ctx, a, opts, report)
	if err != nil {
		return fs, err
	}
	if len(a.Harbor.Projects) == 0 && !a.Migration.Enabled {
		return fs, nil
	}
	if !loggedIn(fs) {
		// Setup needs the admin's API; Run's failure already says why not.
		return fs, nil
	}
	more, err := Setup(ctx, a, opts, report)
	return append(fs, more...), err
}

// loggedIn reports whether Run proved the admin login.
func loggedIn(fs []steps.Finding) bool {
	for _, f := range fs {
		if f.Key == "harbor.adminPassword" && f.Level == steps.OK {
			return true
		}
	}
	return false
}
