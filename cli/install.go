package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/harbor-installer/harbor-installer/render"
	"github.com/harbor-installer/harbor-installer/steps"
)

func newInstallCmd(s streams) *cobra.Command {
	var (
		af      answerFlags
		timeout time.Duration
		dryRun  bool
	)
	cmd := &cobra.Command{
		Use:   "install",
		Short: "Validate the answers and install the planned releases in order",
		Long: `install runs the same checks as validate, renders the plan, and installs the
releases in order. With --dry-run it stops after showing the plan.

The install engine (ordered Helm installs with live progress and recovery of
interrupted runs) is the next milestone; this build checks and plans only.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, err := af.load(s.err)
			if err != nil {
				return err
			}
			fs := steps.FieldFindings(&l.Answers)
			if steps.Worst(fs) != steps.Fail {
				fs = append(fs, runLive(cmd.Context(), l, timeout)...)
			}
			if steps.Worst(fs) == steps.Fail {
				printFindings(s.err, l, fs, steps.Warn)
				fmt.Fprintln(s.err, "nothing installed: fix the failures above (harbor-installer validate shows all findings)")
				return silentExit(ExitFailure)
			}
			plan, err := render.Build(&l.Answers)
			if err != nil {
				return failErr(err)
			}
			fmt.Fprintln(s.out, "Plan:")
			for i, r := range plan.Releases {
				fmt.Fprintf(s.out, "  %d. %s in namespace %s: chart %s %s from %s\n", i+1, r.Name, r.Namespace, r.Chart.Name, r.Chart.Version, r.Chart.Source)
			}
			if dryRun {
				return nil
			}
			return failErr(fmt.Errorf("installing is not available in this build yet; use --dry-run, or `harbor-installer render` and helm"))
		},
	}
	af.register(cmd)
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Second, "time limit of each network check")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "check and show the plan, install nothing")
	return cmd
}
