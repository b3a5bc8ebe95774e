package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/harbor-installer/harbor-installer/answers"
)

// version is set at build time with -ldflags "-X .../cli.version=v1.2.3".
var version = "dev"

func newVersionCmd(s streams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, the answers schema version and the pinned charts",
		Args:  cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			rev := ""
			if bi, ok := debug.ReadBuildInfo(); ok {
				for _, st := range bi.Settings {
					if st.Key == "vcs.revision" && len(st.Value) >= 12 {
						rev = " (" + st.Value[:12] + ")"
					}
				}
			}
			fmt.Fprintf(s.out, "harbor-installer %s%s %s/%s %s\n", version, rev, runtime.GOOS, runtime.GOARCH, runtime.Version())
			fmt.Fprintf(s.out, "answers schema version %d\n", answers.CurrentVersion)
			l, err := answers.Load(answers.Options{})
			if err == nil {
				c := l.Answers.Charts
				fmt.Fprintf(s.out, "pinned charts: harbor %s, minio %s (official) / %s (bitnami), trident-operator %s, velero %s\n",
					c.Harbor.Version, minioVersion(l.Answers, "official"), minioVersion(l.Answers, "bitnami"), c.Trident.Version, c.Velero.Version)
			}
			return nil
		},
	}
}

func minioVersion(a answers.Answers, chart string) string {
	a.MinIO.Chart = chart
	return a.MinIOChart().Version
}
