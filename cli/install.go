package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/install"
	"github.com/harbor-installer/harbor-installer/render"
	"github.com/harbor-installer/harbor-installer/steps"
)

// installFlags are install's own flags.
type installFlags struct {
	yes, dryRun, recover, atomic bool
	skipVerify                   bool
	secretsDir                   string
	output                       string
	timeout, stallAfter          time.Duration
	checkTimeout                 time.Duration
	bundleDir                    string
}

func newInstallCmd(s streams) *cobra.Command {
	var (
		af answerFlags
		f  installFlags
	)
	cmd := &cobra.Command{
		Use:   "install",
		Short: "Check the answers, then install the plan's releases with live progress",
		Long: `install runs the same checks as validate (a failure stops it before anything
changes), shows the plan, asks for confirmation (--yes skips the question,
never the checks), then creates the namespaces and Secrets and installs the
releases as a dependency graph: a release starts when the releases it needs
are ready, and releases without a path between them install side by side.

Progress: a live view on a terminal, plain lines with the elapsed time
otherwise, or one JSON event per line with --output json (docs/events.md).
A release that stops progressing fails after --stall-after, naming the
object that blocks it; a failure writes a support bundle (secrets redacted)
and, with --atomic only, rolls the release back.

Then install proves Harbor works end to end as harbor-installer verify does
(health, admin login through externalURL, LDAP through Harbor, an image
pushed and pulled, backups scheduled) and sets up harbor.projects and
migration.*; each result is a verify.finding event, and a failure makes
install exit 1 (--skip-verify leaves this out). On a simulated cluster (kwok
nodes) there is no Harbor to talk to, and one warning says so.

Running install again with the same answers resumes: finished releases are
reported unchanged. A release left pending by a killed run needs --recover.
Ctrl-C stops cleanly and prints the command that resumes (exit code 130).

Charts come from charts.*.source; HARBOR_INSTALLER_CHART_MIRROR (an
https:// Helm repository or an oci:// base) replaces every source left at
its pinned default, for a mirror without Internet access. Helm's own
variables (HELM_CACHE_HOME, HELM_REPOSITORY_CONFIG, HELM_REGISTRY_CONFIG,
registry logins) apply as with the helm CLI.`,
		Example: `  harbor-installer install --answers answers.yaml
  harbor-installer install --preset eks-minio --set harbor.domain=registry.example.org --yes
  harbor-installer install -f answers.yaml --yes --output json > events.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.output != "text" && f.output != "json" {
				return usageErr("--output %q: want text or json", f.output)
			}
			if f.timeout <= 0 || f.stallAfter <= 0 || f.checkTimeout <= 0 {
				return usageErr("--timeout, --stall-after and --check-timeout must be positive, e.g. 10m, 60s, 5s")
			}
			l, err := af.load(s.err)
			if err != nil {
				return err
			}
			// Before the checks, which take a while: say at once what is missing.
			if !f.yes && !f.dryRun && !s.isTerminal() {
				return usageErr("install changes the cluster and asks first, but there is no terminal to ask on: pass --yes to install without the question (the checks still run)")
			}
			msgs := s.out
			if f.output == "json" {
				msgs = s.err // stdout carries only events
			}
			fs := steps.FieldFindings(&l.Answers)
			if steps.Worst(fs) != steps.Fail {
				fs = append(fs, liveChecks(cmd.Context(), l, f.checkTimeout)...)
			}
			if steps.Worst(fs) == steps.Fail {
				printFindings(s.err, l, fs, steps.Warn)
				fmt.Fprintln(s.err, "nothing installed: fix the failures above (harbor-installer validate shows all findings)")
				return silentExit(ExitFailure)
			}
			warnings := len(steps.Only(fs, steps.Warn))
			if warnings > 0 {
				printFindings(s.err, l, steps.Only(fs, steps.Warn), steps.Warn)
			}
			plan, err := render.Build(&l.Answers)
			if err != nil {
				return failErr(err)
			}
			if f.output == "text" {
				printPlan(msgs, plan)
			}
			if !f.yes && !f.dryRun {
				ok, err := confirm(s.in, s.out, fmt.Sprintf("Install %d releases into the cluster? [y/N] ", len(plan.Releases)))
				if err != nil {
					return failErr(err)
				}
				if !ok {
					fmt.Fprintln(s.err, "nothing installed")
					return silentExit(ExitFailure)
				}
			}
			backend, err := newBackend(&l.Answers, f.checkTimeout)
			if err != nil {
				return failErr(fmt.Errorf("connect to the cluster: %w", err))
			}
			replay := replayCommand(&af)
			eng := install.New(backend, install.Options{
				Timeout: f.timeout, StallAfter: f.stallAfter, DryRun: f.dryRun, Atomic: f.atomic, Recover: f.recover,
				BundleDir: f.bundleDir, ReplayCommand: replay, ResumeCommand: replay,
				Preflight: &install.Preflight{Warnings: warnings},
			})
			sink := pickSink(s, f.output)
			start := time.Now()
			sum, err := eng.Run(cmd.Context(), plan, sink)
			// Ready pods are not a working registry: prove it end to end.
			var proof []steps.Finding
			if err == nil && !f.dryRun && !f.skipVerify {
				proof, err = afterInstall(cmd.Context(), &l.Answers, f.secretsDir, findingEvents(sink, start))
				if err != nil {
					err = install.ErrInterrupted // only an ended ctx stops verify
				}
			}
			if f.output == "text" {
				printSummary(s.out, sum, err != nil)
				if len(proof) > 0 {
					fmt.Fprintf(s.out, "Verified:        %s\n", summary(proof))
				}
			}
			switch {
			case errors.Is(err, install.ErrInterrupted):
				return silentExit(ExitInterrupted)
			case err != nil:
				return silentExit(ExitFailure)
			case steps.Worst(proof) == steps.Fail:
				fmt.Fprintln(s.err, "installed, but Harbor does not work end to end: fix the failures above, then run harbor-installer verify")
				return silentExit(ExitFailure)
			}
			return nil
		},
	}
	af.register(cmd)
	fl := cmd.Flags()
	fl.BoolVarP(&f.yes, "yes", "y", false, "install without asking (the checks still run)")
	fl.BoolVar(&f.dryRun, "dry-run", false, "render against the cluster (server-side dry run) and change nothing")
	fl.StringVarP(&f.output, "output", "o", "text", "text (live view on a terminal, plain lines otherwise) or json (one event per line)")
	fl.DurationVar(&f.timeout, "timeout", install.DefaultTimeout, "time limit of each release (Helm's operation and readiness)")
	fl.DurationVar(&f.stallAfter, "stall-after", install.DefaultStallAfter, "fail a release when nothing progressed for this long (a warning comes at a third)")
	fl.BoolVar(&f.recover, "recover", false, "roll back releases left pending by a killed run (or uninstall them if they never deployed), then continue")
	fl.BoolVar(&f.atomic, "atomic", false, "roll a failed release back after the support bundle is saved")
	fl.DurationVar(&f.checkTimeout, "check-timeout", 5*time.Second, "time limit of each network check and of connecting to the cluster")
	fl.StringVar(&f.bundleDir, "bundle-dir", "", "directory for the support bundle written on failure (default: the system's temporary directory)")
	fl.BoolVar(&f.skipVerify, "skip-verify", false, "do not prove Harbor end to end after the install (harbor-installer verify does it later)")
	fl.StringVar(&f.secretsDir, "secrets-dir", ".", "directory for the robot secret files verify's setup writes (mode 0600)")
	return cmd
}

// liveChecks runs install's preflight; a variable so tests without a
// cluster can stand in for it.
var liveChecks = runLive

// pickSink chooses how events are shown: JSON lines, the live view on a
// terminal, or plain lines.
func pickSink(s streams, output string) func(install.Event) {
	if output == "json" {
		return jsonSink(s.out)
	}
	if outIsTerminal(s.out) {
		return newLiveView(s.out).sink
	}
	return plainSink(s.out)
}

func outIsTerminal(out io.Writer) bool {
	f, ok := out.(*os.File)
	return ok && isTerminalFd(f.Fd())
}

func printPlan(out io.Writer, plan *render.Plan) {
	fmt.Fprintln(out, "Plan:")
	for i, r := range plan.Releases {
		needs := ""
		if len(r.Needs) > 0 {
			needs = " after " + strings.Join(r.Needs, ", ")
		}
		fmt.Fprintf(out, "  %d. %s in namespace %s: chart %s %s from %s%s\n", i+1, r.Name, r.Namespace, r.Chart.Name, r.Chart.Version, r.Chart.Source, needs)
	}
}

// confirm asks a yes/no question; only y or yes agree.
func confirm(in io.Reader, out io.Writer, question string) (bool, error) {
	fmt.Fprint(out, question)
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && line == "" {
		return false, fmt.Errorf("no answer to the confirmation: %w", err)
	}
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes", nil
}

// replayCommand is the non-interactive command for the same answers. A
// --set with a literal secret (only with --allow-literal-secrets) is never
// repeated: the command is printed and logged.
func replayCommand(af *answerFlags) string {
	parts := []string{"harbor-installer", "install"}
	if af.file != "" {
		parts = append(parts, "--answers", shellQuote(af.file))
	}
	if af.preset != "" {
		parts = append(parts, "--preset", shellQuote(af.preset))
	}
	for _, set := range af.sets {
		if af.allowLiterals {
			parts = append(parts, "--set", "...")
			continue
		}
		parts = append(parts, "--set", shellQuote(set))
	}
	return strings.Join(append(parts, "--yes"), " ")
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,@+", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// loadPlan loads the answers and renders the plan (for status, diff and
// uninstall, which do not run the live checks).
func loadPlan(af *answerFlags, s streams) (*answers.Loaded, *render.Plan, error) {
	l, err := af.load(s.err)
	if err != nil {
		return nil, nil, err
	}
	plan, err := render.Build(&l.Answers)
	if err != nil {
		return nil, nil, failErr(err)
	}
	return l, plan, nil
}
