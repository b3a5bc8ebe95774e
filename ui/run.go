package ui

import (
	"context"
	"fmt"
	"io"
	"os"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Run starts the full-screen wizard on in/out and, after it leaves the
// alternate screen, prints the run's summary to out so it stays in the
// scrollback.
func Run(ctx context.Context, opts Options, deps Deps, caps Caps, in io.Reader, out io.Writer) (Result, error) {
	r := lipgloss.NewRenderer(out, termenv.WithColorCache(true))
	st := NewStyles(r, caps)
	m := New(opts, deps, st)
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithContext(ctx), tea.WithInput(in), tea.WithOutput(out))
	_, err := p.Run()
	res := m.Result()
	if err != nil && ctx.Err() == nil {
		return res, fmt.Errorf("wizard: %w", err)
	}
	if res.Summary != nil || res.Err != nil || res.Interrupted && res.SavedPath != "" {
		WriteSummary(out, res, caps.Unicode)
	} else if res.SavedPath != "" {
		fmt.Fprintf(out, "answers saved to %s\nreplay: %s\n", res.SavedPath, res.Replay)
	}
	if ctx.Err() != nil {
		res.Interrupted = true
	}
	return res, nil
}

// Getenv is os.Getenv, for DetectCaps in the program.
func Getenv(k string) string { return os.Getenv(k) }
