package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/kube"
	"github.com/harbor-installer/harbor-installer/steps"
	"github.com/harbor-installer/harbor-installer/verify"
)

func newVerifyCmd(s streams) *cobra.Command {
	var (
		af         answerFlags
		output     string
		o          verify.Options
		resolve    []string
		checksOnly bool
	)
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Prove the installed Harbor works end to end, then set up projects, robots and replication",
		Long: `verify checks the installed Harbor through externalURL: every component
healthy, the admin logs in (DNS, ingress and TLS with tls.caFile), LDAP works
through Harbor, a tiny generated image pushed into a throwaway project comes
back with the same digest and its blobs are in the bucket, and Velero's
backup location is Available with a schedule at backup.schedule.

Then, unless --checks-only, it makes Harbor match harbor.projects (visibility,
quota, LDAP group members, a CI robot whose secret goes to a 0600 file in
--secrets-dir) and migration.* (the old registry's endpoint and a scheduled
pull replication policy per rule; with startNow one run, followed to its
end). A re-run changes nothing that already matches.

Exit codes: 0 every check ok, 1 at least one failure, 2 bad answers or flags.`,
		Example: `  harbor-installer verify --answers answers.yaml
  harbor-installer verify -f answers.yaml --resolve registry.example.org:10.0.0.7 --checks-only
  harbor-installer verify -f answers.yaml --s3-endpoint http://127.0.0.1:9000 -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "text" && output != "json" {
				return usageErr("--output %q: want text or json", output)
			}
			if o.Timeout <= 0 || o.HealthWait < 0 || o.ReplicationWait < 0 {
				return usageErr("--timeout must be positive and the waits not negative, e.g. --timeout 30s")
			}
			res, err := verify.ParseResolve(resolve)
			if err != nil {
				return usageErr("%v", err)
			}
			o.Resolve = res
			l, err := af.load(s.err)
			if err != nil {
				return err
			}
			if f := steps.Only(steps.FieldFindings(&l.Answers), steps.Fail); len(f) > 0 {
				printFindings(s.err, l, f, steps.Fail)
				return &exitError{code: ExitUsage, err: fmt.Errorf("the answers have field errors: fix them first (harbor-installer validate --offline)")}
			}
			ctx := cmd.Context()
			connectCluster(ctx, &l.Answers, &o)
			var report func(steps.Finding)
			if output == "text" {
				p := newStreamPrinter(s.out, l)
				report = p.print
			}
			fs, err := verify.Run(ctx, &l.Answers, o, report)
			if err == nil && !checksOnly {
				var more []steps.Finding
				more, err = verify.Setup(ctx, &l.Answers, o, report)
				fs = append(fs, more...)
			}
			if err != nil {
				return err
			}
			if output == "json" {
				b, err := steps.JSON(fs)
				if err != nil {
					return failErr(err)
				}
				fmt.Fprintln(s.out, string(b))
			} else {
				fmt.Fprintln(s.out, summary(fs))
			}
			if steps.Worst(fs) == steps.Fail {
				return silentExit(ExitFailure)
			}
			return nil
		},
	}
	af.register(cmd)
	f := cmd.Flags()
	f.StringVarP(&output, "output", "o", "text", "text or json")
	f.DurationVar(&o.Timeout, "timeout", 30*time.Second, "time limit of each check's network operation")
	f.DurationVar(&o.HealthWait, "health-wait", 5*time.Minute, "how long to wait for every Harbor component to be healthy")
	f.DurationVar(&o.ReplicationWait, "replication-wait", 30*time.Minute, "how long to follow a replication run started with migration.startNow")
	f.StringArrayVar(&resolve, "resolve", nil, "check as if DNS pointed HOST at ADDRESS: HOST:IP or HOST:IP:PORT (repeatable)")
	f.StringVar(&o.S3Endpoint, "s3-endpoint", "", "URL this machine reaches the blob store at (an in-cluster MinIO through a port-forward), for the bucket check")
	f.StringVar(&o.SecretsDir, "secrets-dir", ".", "directory for the robot secret files (mode 0600)")
	f.BoolVar(&checksOnly, "checks-only", false, "only check; create no projects, robots or replication")
	f.BoolVar(&o.KeepProbe, "keep-probe", false, "leave the storage check's throwaway project and image in Harbor")
	return cmd
}

// connectCluster gives verify the cluster for the backup checks and pod
// events (and AfterInstall its nodes, to tell a simulated cluster); without
// it those checks say why.
func connectCluster(ctx context.Context, a *answers.Answers, o *verify.Options) {
	c, err := kube.Connect(a.Cluster.Kubeconfig, a.Cluster.Context, o.Timeout)
	if err == nil {
		_, err = c.Ping(ctx)
	}
	if err != nil {
		o.ClusterErr = err
		return
	}
	o.Cluster, o.Nodes = c, c
}

// streamPrinter prints findings as they arrive, in printFindings' style.
type streamPrinter struct {
	out io.Writer
	l   *answers.Loaded
	st  findingStyles
}

func newStreamPrinter(out io.Writer, l *answers.Loaded) *streamPrinter {
	return &streamPrinter{out: out, l: l, st: newFindingStyles(out)}
}

func (p *streamPrinter) print(f steps.Finding) {
	lvl := p.st.ok.Render("ok  ")
	switch f.Level {
	case steps.Warn:
		lvl = p.st.warn.Render("warn")
	case steps.Fail:
		lvl = p.st.fail.Render("fail")
	}
	where := f.Key
	if pos := p.l.Pos(f.Key); pos.Source != "" && pos.Source != "defaults" {
		where = pos.String() + " " + f.Key
	}
	fmt.Fprintf(p.out, "  %s %s: %s\n", lvl, where, f.Seen)
	if f.Hint != "" {
		fmt.Fprintf(p.out, "       %s\n", p.st.dim.Render("→ "+f.Hint))
	}
}
