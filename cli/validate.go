package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/steps"
)

func newValidateCmd(s streams) *cobra.Command {
	var (
		af      answerFlags
		output  string
		timeout time.Duration
		offline bool
		quiet   bool
	)
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check the answers: field checks, then live checks against the real systems",
		Long: `validate runs every step's field checks (pure, no network) and live checks
(cluster, DNS, TLS secret, storage class, ONTAP, MinIO/S3, LDAP, PostgreSQL,
Redis, the old registry for migration) and prints the findings grouped by
step.

validate only reads: it never creates or deletes a bucket or a cluster
object. Its one write is a probe object of under 100 bytes under
.harbor-installer-probe/ in an external S3 bucket, read back and deleted at
once, to prove Harbor's credentials can write there.

Exit codes: 0 no fail, 1 at least one fail, 2 answers that cannot be read
(syntax, unknown key, wrong type).`,
		Example: `  harbor-installer validate --answers answers.yaml
  harbor-installer validate --preset eks-minio --set harbor.domain=registry.example.org --offline
  harbor-installer validate -f answers.yaml --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "text" && output != "json" {
				return usageErr("--output %q: want text or json", output)
			}
			if timeout <= 0 {
				return usageErr("--timeout must be positive, e.g. 5s")
			}
			l, err := af.load(s.err)
			if err != nil {
				return err
			}
			fs := steps.FieldFindings(&l.Answers)
			if !offline {
				fs = append(fs, runLive(cmd.Context(), l, timeout)...)
			}
			if output == "json" {
				b, err := steps.JSON(fs)
				if err != nil {
					return failErr(err)
				}
				fmt.Fprintln(s.out, string(b))
			} else {
				min := steps.OK
				if quiet {
					min = steps.Warn
				}
				printFindings(s.out, l, fs, min)
			}
			if steps.Worst(fs) == steps.Fail {
				return silentExit(ExitFailure)
			}
			return nil
		},
	}
	af.register(cmd)
	cmd.Flags().StringVarP(&output, "output", "o", "text", "text or json")
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Second, "time limit of each network check")
	cmd.Flags().BoolVar(&offline, "offline", false, "run only the field checks, no network")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print only warnings and failures")
	return cmd
}

// runLive connects to the real systems and runs every step's live checks.
func runLive(ctx context.Context, l *answers.Loaded, timeout time.Duration) []steps.Finding {
	env := steps.NewEnv(ctx, &l.Answers, timeout)
	return steps.LiveFindings(ctx, &l.Answers, env)
}
