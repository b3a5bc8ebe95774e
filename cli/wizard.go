package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/install"
	"github.com/harbor-installer/harbor-installer/presets"
	"github.com/harbor-installer/harbor-installer/render"
	"github.com/harbor-installer/harbor-installer/steps"
	"github.com/harbor-installer/harbor-installer/ui"
)

// SimulatedEnv is set to 1 by harbor-installer-demo: the wizard then labels
// the cluster SIMULATED in its header and welcome screen.
const SimulatedEnv = "HARBOR_INSTALLER_SIMULATED"

// wizardFlags are the root command's flags for the wizard.
type wizardFlags struct {
	preset, answersFile, save string
	accessible                bool
	timeout                   time.Duration
}

func (f *wizardFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.preset, "preset", "", "start the wizard from a preset (see `harbor-installer presets`)")
	cmd.Flags().StringVarP(&f.answersFile, "answers", "f", "", "start the wizard from an answers file")
	cmd.Flags().BoolVar(&f.accessible, "accessible", false, "ask with plain line prompts (screen readers, serial consoles)")
	cmd.Flags().StringVar(&f.save, "save", "harbor-answers.yaml", "where the wizard saves the answers before installing")
	cmd.Flags().DurationVar(&f.timeout, "timeout", 5*time.Second, "time limit of each network check")
}

// wizardEngine runs the wizard's plan through the install engine on the
// cluster the answers name, as `install --yes` would.
type wizardEngine struct {
	checkTimeout time.Duration
	replay       string
}

func (e wizardEngine) Run(ctx context.Context, a *answers.Answers, plan *render.Plan, emit func(install.Event)) (*install.Summary, error) {
	plan, err := wizardMirror(a, plan)
	if err != nil {
		return nil, err
	}
	backend, err := newBackend(a, e.checkTimeout)
	if err != nil {
		return nil, fmt.Errorf("connect to the cluster: %w", err)
	}
	eng := install.New(backend, install.Options{
		Timeout: install.DefaultTimeout, StallAfter: install.DefaultStallAfter,
		ReplayCommand: e.replay, ResumeCommand: e.replay,
	})
	return eng.Run(ctx, plan, emit)
}

// wizardVerifier proves the install for the Done screen, as install does
// after plan.done (robot secret files go beside the saved answers).
type wizardVerifier struct{ secretsDir string }

func (v wizardVerifier) Verify(ctx context.Context, a *answers.Answers, report func(steps.Finding)) ([]steps.Finding, error) {
	return afterInstall(ctx, a, v.secretsDir, report)
}

// wizardDiffer compares one release with the deployed one for Review.
type wizardDiffer struct{ checkTimeout time.Duration }

func (d wizardDiffer) Diff(ctx context.Context, a *answers.Answers, r render.Release) (string, bool, error) {
	b, err := newBackend(a, d.checkTimeout)
	if err != nil {
		return "", false, err
	}
	// The whole plan, not r alone: a release's secret rollouts name the
	// plan's Secrets and its needs name other releases, and a plan of one
	// release fails validation on both.
	plan, err := render.Build(a)
	if err != nil {
		return "", false, err
	}
	pd, err := install.PlanDiff(ctx, b, plan)
	if err != nil {
		return "", false, err
	}
	var rd install.ReleaseDiff
	for _, x := range pd.Releases {
		if x.Name == r.Name {
			rd = x
		}
	}
	if !rd.Installed {
		return "", false, nil
	}
	if rd.FromVersion == rd.ToVersion && len(rd.ChangedPaths) == 0 {
		return "", true, nil
	}
	return strings.Join(upgradeLines(rd), "\n") + "\n", true, nil
}

// runWizard is the interactive face: full screen, or line prompts with
// --accessible or on a terminal without cursor addressing.
func runWizard(ctx context.Context, s streams, f wizardFlags) error {
	if f.preset != "" {
		if _, ok := presets.Get(f.preset); !ok {
			return usageErr("--preset %q: no such preset (presets: %v)", f.preset, presetNames())
		}
	}
	caps := ui.DetectCaps(os.Getenv)
	opts := ui.Options{
		Preset: f.preset, AnswersFile: f.answersFile, SavePath: f.save,
		Simulated:   os.Getenv(SimulatedEnv) == "1",
		DemoCommand: demoCommand(),
		Program:     "harbor-installer",
	}
	deps := ui.Deps{
		Cluster:   &ui.KubeCluster{Timeout: f.timeout},
		Checker:   &ui.StepChecker{Timeout: f.timeout},
		Differ:    wizardDiffer{checkTimeout: f.timeout},
		Installer: wizardEngine{checkTimeout: f.timeout, replay: "harbor-installer install --answers " + shellQuote(f.save) + " --yes"},
		Verifier:  wizardVerifier{secretsDir: filepath.Dir(f.save)},
	}
	if f.accessible || caps.Plain {
		res, err := ui.RunAccessible(ctx, opts, deps, s.in, s.out)
		return wizardExit(res, err)
	}
	res, err := ui.Run(ctx, opts, deps, caps, s.in, s.out)
	if err != nil {
		return failErr(err)
	}
	if res.StartDemo {
		return startDemo(ctx, s, opts.DemoCommand)
	}
	return wizardExit(res, nil)
}

func wizardExit(res ui.Result, err error) error {
	switch {
	case err != nil:
		return failErr(err)
	case res.Interrupted:
		return silentExit(ExitInterrupted)
	case res.Err != nil || (res.Summary != nil && res.Summary.Cause != ""):
		return silentExit(ExitFailure)
	case steps.Worst(res.Verified) == steps.Fail:
		// Installed, but the proof failed: as install, exit 1.
		return silentExit(ExitFailure)
	}
	return nil
}

// demoCommand finds harbor-installer-demo beside this binary or on PATH.
func demoCommand() string {
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), "harbor-installer-demo")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("harbor-installer-demo"); err == nil {
		return p
	}
	return ""
}

// startDemo hands the terminal to the demo, which starts the simulated
// world and opens this wizard against it.
func startDemo(ctx context.Context, s streams, demo string) error {
	exe, err := os.Executable()
	if err != nil {
		return failErr(err)
	}
	// On a terminal the demo opens the wizard itself (it has no -wizard
	// flag any more: -script is the way to the scripted install).
	fmt.Fprintln(s.err, "starting the local SIMULATED cluster: "+demo)
	cmd := exec.CommandContext(ctx, demo, "-bin", exe)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return failErr(fmt.Errorf("simulated cluster: %w", err))
	}
	return nil
}
