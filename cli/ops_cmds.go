package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/harbor-installer/harbor-installer/install"
)

func newStatusCmd(s streams) *cobra.Command {
	var (
		af      answerFlags
		output  string
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show each release of the plan: Helm status, revision and workload readiness",
		Example: `  harbor-installer status --answers answers.yaml
  harbor-installer status -f answers.yaml --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "text" && output != "json" {
				return usageErr("--output %q: want text or json", output)
			}
			l, plan, err := loadPlan(&af, s)
			if err != nil {
				return err
			}
			b, err := newBackend(&l.Answers, timeout)
			if err != nil {
				return failErr(fmt.Errorf("connect to the cluster: %w", err))
			}
			st, err := install.Status(cmd.Context(), b, plan, timeout)
			if err != nil {
				return failErr(err)
			}
			if output == "json" {
				enc := json.NewEncoder(s.out)
				enc.SetIndent("", "  ")
				return enc.Encode(st)
			}
			for _, r := range st {
				rev := ""
				if r.Revision > 0 {
					rev = fmt.Sprintf("revision %d, chart %s", r.Revision, r.Version)
				}
				fmt.Fprintf(s.out, "%s (namespace %s): %s %s\n", r.Name, r.Namespace, r.Status, rev)
				for _, o := range r.Objects {
					line := fmt.Sprintf("  %s %s", o.Ref, o.State)
					if o.Desired > 0 {
						line += fmt.Sprintf(" %d/%d", o.Ready, o.Desired)
					}
					if o.Message != "" {
						line += ": " + o.Message
					}
					fmt.Fprintln(s.out, line)
				}
			}
			return nil
		},
	}
	af.register(cmd)
	cmd.Flags().StringVarP(&output, "output", "o", "text", "text or json")
	cmd.Flags().DurationVar(&timeout, "timeout", 10*time.Second, "time limit of connecting and reading readiness")
	return cmd
}

func newDiffCmd(s streams) *cobra.Command {
	var (
		af      answerFlags
		output  string
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "diff",
		Short: "Show what install would change: chart versions, values paths, and which Secrets change",
		Long: `diff compares the plan for the answers with the cluster, changing nothing:
per release the chart version change and the values paths that differ; per
installer Secret only whether it would change (never a value).

Exit code 0 whether or not something differs.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "text" && output != "json" {
				return usageErr("--output %q: want text or json", output)
			}
			l, plan, err := loadPlan(&af, s)
			if err != nil {
				return err
			}
			b, err := newBackend(&l.Answers, timeout)
			if err != nil {
				return failErr(fmt.Errorf("connect to the cluster: %w", err))
			}
			d, err := install.PlanDiff(cmd.Context(), b, plan)
			if err != nil {
				return failErr(err)
			}
			if output == "json" {
				enc := json.NewEncoder(s.out)
				enc.SetIndent("", "  ")
				return enc.Encode(d)
			}
			for _, r := range d.Releases {
				switch {
				case !r.Installed:
					fmt.Fprintf(s.out, "%s: not installed; would install chart %s\n", r.Name, r.ToVersion)
				case r.FromVersion == r.ToVersion && len(r.ChangedPaths) == 0:
					fmt.Fprintf(s.out, "%s: unchanged (revision %d)\n", r.Name, r.Revision)
				default:
					lines := upgradeLines(r)
					fmt.Fprintf(s.out, "%s: %s\n", r.Name, lines[0])
					for _, l := range lines[1:] {
						fmt.Fprintf(s.out, "  %s\n", l)
					}
				}
			}
			for _, sd := range d.Secrets {
				word := map[install.SecretChange]string{install.SecretNew: "would be created", install.SecretUnchanged: "unchanged", install.SecretChanged: "changed"}[sd.Change]
				fmt.Fprintf(s.out, "secret %s: %s\n", sd.Secret, word)
			}
			return nil
		},
	}
	af.register(cmd)
	cmd.Flags().StringVarP(&output, "output", "o", "text", "text or json")
	cmd.Flags().DurationVar(&timeout, "timeout", 10*time.Second, "time limit of connecting to the cluster")
	return cmd
}

// upgradeLines describes an installed release that would be upgraded: the
// revision and chart version change, then one "~ path" line per changed
// values path. diff prints it, and the wizard's Review shows it.
func upgradeLines(r install.ReleaseDiff) []string {
	ver := "chart " + r.ToVersion
	if r.FromVersion != r.ToVersion {
		ver = fmt.Sprintf("chart %s -> %s", r.FromVersion, r.ToVersion)
	}
	lines := []string{fmt.Sprintf("would upgrade revision %d (%s)", r.Revision, ver)}
	for _, p := range r.ChangedPaths {
		lines = append(lines, "~ "+p)
	}
	return lines
}

func newUninstallCmd(s streams) *cobra.Command {
	var (
		af      answerFlags
		yes     bool
		purge   bool
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "uninstall",
		Short: "Remove the plan's releases in reverse order (keeps PVCs, buckets and Secrets)",
		Long: `uninstall removes the releases of the plan, each before the releases it
needs. Persistent volume claims, buckets and the installer's Secrets (the
generated passwords and keys a later install reuses) are kept unless
--purge, which deletes the installer's Secrets too (PVCs and buckets are
always kept: delete them yourself once the data is not needed).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !yes && !s.isTerminal() {
				return usageErr("uninstall asks first, but there is no terminal to ask on: pass --yes")
			}
			l, plan, err := loadPlan(&af, s)
			if err != nil {
				return err
			}
			order := install.ReverseOrder(plan)
			if !yes {
				what := "keeping PVCs, buckets and the installer's Secrets"
				if purge {
					what = "deleting the installer's Secrets (generated passwords are lost); keeping PVCs and buckets"
				}
				ok, err := confirm(s.in, s.out, fmt.Sprintf("Uninstall %s, %s? [y/N] ", strings.Join(order, ", "), what))
				if err != nil {
					return failErr(err)
				}
				if !ok {
					fmt.Fprintln(s.err, "nothing uninstalled")
					return silentExit(ExitFailure)
				}
			}
			b, err := newBackend(&l.Answers, timeout)
			if err != nil {
				return failErr(fmt.Errorf("connect to the cluster: %w", err))
			}
			if err := install.Uninstall(cmd.Context(), b, plan, install.UninstallOptions{Purge: purge}, plainSink(s.out)); err != nil {
				return failErr(err)
			}
			return nil
		},
	}
	af.register(cmd)
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "uninstall without asking")
	cmd.Flags().BoolVar(&purge, "purge", false, "also delete the installer's Secrets")
	cmd.Flags().DurationVar(&timeout, "timeout", 10*time.Second, "time limit of connecting to the cluster")
	return cmd
}
