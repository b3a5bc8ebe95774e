package cli

import (
	"context"
	"time"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/install"
	"github.com/harbor-installer/harbor-installer/steps"
	"github.com/harbor-installer/harbor-installer/verify"
)

// verifyCheckTimeout bounds each of verify's network operations after an
// install, as `verify --timeout` does by default.
const verifyCheckTimeout = 30 * time.Second

// afterInstall proves a finished install end to end: verify.AfterInstall
// with the answers' cluster (its nodes tell a simulated one). install and
// the wizard both call it; a variable so tests without Harbor stand in.
var afterInstall = func(ctx context.Context, a *answers.Answers, secretsDir string, report func(steps.Finding)) ([]steps.Finding, error) {
	o := verify.Options{Timeout: verifyCheckTimeout, SecretsDir: secretsDir}
	connectCluster(ctx, a, &o)
	return verify.AfterInstall(ctx, a, o, report)
}

// findingEvents turns verify's findings into verify.finding events on the
// install's sink, timed from the run's start like the engine's own.
func findingEvents(sink func(install.Event), start time.Time) func(steps.Finding) {
	return func(f steps.Finding) {
		now := time.Now()
		sink(install.Event{Type: install.VerifyFinding, Time: now, Elapsed: now.Sub(start), Finding: &f})
	}
}
