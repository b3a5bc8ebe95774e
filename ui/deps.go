package ui

import (
	"context"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/install"
	"github.com/harbor-installer/harbor-installer/kube"
	"github.com/harbor-installer/harbor-installer/render"
	"github.com/harbor-installer/harbor-installer/steps"
)

// ClusterInfo is what the header says about the cluster: the one fact that
// prevents installing into the wrong one.
type ClusterInfo struct {
	Context string
	Server  string
	// Version is the API server's version once reached.
	Version string
	// Err says why the cluster did not answer.
	Err error
}

// Cluster is the wizard's narrow view of the cluster: who it is and what
// can be offered as choices. Every method is called from a tea.Cmd.
type Cluster interface {
	Probe(ctx context.Context, kubeconfig, kubeContext string) ClusterInfo
	Contexts(kubeconfig string) ([]kube.KubeContext, error)
	StorageClasses(ctx context.Context, a *answers.Answers) ([]kube.StorageClassInfo, error)
	TLSSecrets(ctx context.Context, a *answers.Answers) ([]kube.TLSSecretInfo, error)
	IngressClasses(ctx context.Context, a *answers.Answers) ([]kube.IngressClassInfo, error)
	NodeZones(ctx context.Context, a *answers.Answers) ([]kube.ZoneInfo, error)
}

// Checker runs one step's live checks.
type Checker interface {
	Check(ctx context.Context, step steps.Step, a *answers.Answers) []steps.Finding
}

// Installer runs a plan and reports its events; the install engine fits
// behind it. emit may be called from any goroutine.
type Installer interface {
	Run(ctx context.Context, a *answers.Answers, plan *render.Plan, emit func(install.Event)) (*install.Summary, error)
}

// Verifier proves the installed Harbor works end to end once the install
// is done (on a simulated cluster one warning says it cannot); the Done
// screen shows each finding as it arrives. report may be called from any
// goroutine; the error is set only when ctx ended.
type Verifier interface {
	Verify(ctx context.Context, a *answers.Answers, report func(steps.Finding)) ([]steps.Finding, error)
}

// Differ tells how a release's rendered values differ from the deployed
// release, for Review on an existing install. found is false when the
// release is not deployed.
type Differ interface {
	Diff(ctx context.Context, a *answers.Answers, r render.Release) (diff string, found bool, err error)
}

// Deps is everything the wizard reaches outside itself. Tests pass fakes.
type Deps struct {
	Cluster   Cluster
	Checker   Checker
	Installer Installer
	// Differ may be nil: Review then shows no diff.
	Differ Differ
	// Verifier may be nil: Done then shows no end-to-end proof.
	Verifier Verifier
}
