package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/harbor-installer/harbor-installer/answers"
)

// answerFlags are the flags every command that reads answers shares.
type answerFlags struct {
	file          string
	preset        string
	sets          []string
	allowLiterals bool
}

func (f *answerFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&f.file, "answers", "f", "", "answers file (YAML, version 1)")
	cmd.Flags().StringVar(&f.preset, "preset", "", "start from a preset (see `harbor-installer presets`)")
	cmd.Flags().StringArrayVar(&f.sets, "set", nil, "override an answer: --set key.path=value (repeatable)")
	cmd.Flags().BoolVar(&f.allowLiterals, "allow-literal-secrets", false, "accept secret values written in the answers, with a warning")
}

// load reads the answers or returns a usage error naming file:line and key.
func (f *answerFlags) load(errOut io.Writer) (*answers.Loaded, error) {
	if f.file == "" && f.preset == "" {
		return nil, usageErr("no answers: give --answers FILE or --preset NAME (presets: %s)", strings.Join(presetNames(), ", "))
	}
	l, err := answers.Load(answers.Options{File: f.file, Preset: f.preset, Sets: f.sets, AllowLiteralSecrets: f.allowLiterals})
	if err != nil {
		return nil, &exitError{code: ExitUsage, err: fmt.Errorf("invalid answers:\n%w", err)}
	}
	for _, w := range l.Warnings {
		fmt.Fprintln(errOut, "warning: "+w.String())
	}
	mirror := getenv(ChartMirrorEnv)
	changed, err := applyChartMirror(l, mirror)
	if err != nil {
		return nil, err
	}
	if len(changed) > 0 {
		fmt.Fprintln(errOut, mirrorNotice(mirror, changed))
	}
	return l, nil
}
