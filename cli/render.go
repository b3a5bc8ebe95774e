package cli

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/harbor-installer/harbor-installer/render"
	"github.com/harbor-installer/harbor-installer/steps"
)

func newRenderCmd(s streams) *cobra.Command {
	var (
		af  answerFlags
		out string
	)
	cmd := &cobra.Command{
		Use:   "render",
		Short: "Write the Helm values of every release and the install plan",
		Long: `render turns the answers into the ordered plan of releases (trident-operator,
minio, harbor, velero as needed) and writes DIR/<release>.values.yaml for each
and DIR/plan.yaml (order, namespaces, charts, versions and the Kubernetes
Secrets the installer creates, by name and key: never their values).

It runs the field checks first and writes nothing if any fails.`,
		Example: `  harbor-installer render --preset eks-minio --set harbor.domain=registry.example.org --out out/
  harbor-installer render --answers answers.yaml --out out/`,
		Args: cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			if out == "" {
				return usageErr("--out DIR is required")
			}
			l, err := af.load(s.err)
			if err != nil {
				return err
			}
			fs := steps.FieldFindings(&l.Answers)
			if steps.Worst(fs) == steps.Fail {
				printFindings(s.err, l, steps.Only(fs, steps.Fail), steps.Fail)
				fmt.Fprintln(s.err, "nothing written: fix the failures above")
				return silentExit(ExitFailure)
			}
			plan, err := render.Build(&l.Answers)
			if err != nil {
				return failErr(err)
			}
			if err := plan.WriteDir(out); err != nil {
				return failErr(err)
			}
			for _, r := range plan.Releases {
				fmt.Fprintf(s.out, "wrote %s\n", filepath.Join(out, r.Name+".values.yaml"))
			}
			fmt.Fprintf(s.out, "wrote %s\n", filepath.Join(out, "plan.yaml"))
			return nil
		},
	}
	af.register(cmd)
	cmd.Flags().StringVarP(&out, "out", "o", "", "directory to write the values files and plan.yaml into")
	return cmd
}
