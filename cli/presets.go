package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/harbor-installer/harbor-installer/presets"
)

func presetNames() []string { return presets.Names() }

func newPresetsCmd(s streams) *cobra.Command {
	var show string
	cmd := &cobra.Command{
		Use:   "presets",
		Short: "List the built-in answer presets",
		Long:  "List the built-in answer presets, one line each. --show NAME prints a preset's answers.",
		Args:  cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			if show != "" {
				b, ok := presets.Get(show)
				if !ok {
					return usageErr("--show: unknown preset %q (one of %v)", show, presets.Names())
				}
				_, err := s.out.Write(b)
				return err
			}
			w := tabwriter.NewWriter(s.out, 0, 0, 2, ' ', 0)
			for _, p := range presets.List() {
				fmt.Fprintf(w, "%s\t%s\n", p.Name, p.Summary)
			}
			return w.Flush()
		},
	}
	cmd.Flags().StringVar(&show, "show", "", "print the answers of one preset")
	return cmd
}
