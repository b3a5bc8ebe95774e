package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/steps"
)

// findingStyles colour levels; lipgloss drops colour when out is not a terminal.
type findingStyles struct {
	ok, warn, fail, step, dim lipgloss.Style
}

func newFindingStyles(out io.Writer) findingStyles {
	r := lipgloss.NewRenderer(out)
	return findingStyles{
		ok:   r.NewStyle().Foreground(lipgloss.Color("2")),
		warn: r.NewStyle().Foreground(lipgloss.Color("3")).Bold(true),
		fail: r.NewStyle().Foreground(lipgloss.Color("1")).Bold(true),
		step: r.NewStyle().Bold(true),
		dim:  r.NewStyle().Faint(true),
	}
}

// printFindings writes findings grouped by step, each with the position of
// the answer it is about, and a summary line.
func printFindings(out io.Writer, l *answers.Loaded, fs []steps.Finding, minLevel steps.Level) {
	st := newFindingStyles(out)
	steps.SortByStep(fs)
	titles := map[string]string{}
	for _, s := range steps.All() {
		titles[s.Name] = s.Title
	}
	lastStep := ""
	for _, f := range fs {
		if f.Level < minLevel {
			continue
		}
		if f.Step != lastStep {
			fmt.Fprintln(out, st.step.Render(titles[f.Step]))
			lastStep = f.Step
		}
		var lvl string
		switch f.Level {
		case steps.OK:
			lvl = st.ok.Render("ok  ")
		case steps.Warn:
			lvl = st.warn.Render("warn")
		default:
			lvl = st.fail.Render("fail")
		}
		where := f.Key
		if l != nil {
			if p := l.Pos(f.Key); p.Source != "" && p.Source != "defaults" {
				where = p.String() + " " + f.Key
			}
		}
		live := ""
		if f.Live {
			live = st.dim.Render(" (live)")
		}
		fmt.Fprintf(out, "  %s %s: %s%s\n", lvl, where, f.Seen, live)
		if f.Hint != "" {
			fmt.Fprintf(out, "       %s\n", st.dim.Render("→ "+f.Hint))
		}
	}
	fmt.Fprintln(out, summary(fs))
}

func summary(fs []steps.Finding) string {
	var n [3]int
	for _, f := range fs {
		n[f.Level]++
	}
	parts := []string{fmt.Sprintf("%d ok", n[steps.OK]), fmt.Sprintf("%d warn", n[steps.Warn]), fmt.Sprintf("%d fail", n[steps.Fail])}
	return strings.Join(parts, ", ")
}
