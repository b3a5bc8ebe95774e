package ui

import (
	"context"
	"fmt"
	"io"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/harbor-installer/harbor-installer/install"
	"github.com/harbor-installer/harbor-installer/steps"
)

// doneScreen is the end of a run: where Harbor is and how to log in, or why
// it failed and where the support bundle is.
type doneScreen struct {
	sum         *install.Summary
	err         error
	interrupted bool
	// The end-to-end proof after a clean install (Deps.Verifier): its
	// findings so far, whether it still runs, and how to stop it.
	findings     []steps.Finding
	verifying    bool
	cancelVerify context.CancelFunc
	verifyEvents chan tea.Msg
}

func newDone(sum *install.Summary, err error, interrupted bool) doneScreen {
	return doneScreen{sum: sum, err: err, interrupted: interrupted}
}

func (m *Model) updateDone(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch msg.String() {
	case "enter", "q", "esc":
		m.done.stopVerify()
		m.quitting = true
		return m, tea.Quit
	}
	return m, nil
}

func (m *Model) doneView(h int) string {
	st := m.st
	var b strings.Builder
	writeSummary(&b, m.done, m.result, st, true)
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
		if len([]rune(stripANSI(l))) <= m.width-4 {
			lines = append(lines, " "+l)
			continue
		}
		// Wrap the text without its indent, in the room the indent
		// leaves: measured with it dropped, the first line came out as
		// wide as the screen plus the indent and lost its end (the " |"
		// of the password command) to the cut.
		lead := l[:len(l)-len(strings.TrimLeft(l, " "))]
		for _, wl := range wrap(strings.TrimLeft(l, " "), m.width-4-len(lead), "  ") {
			lines = append(lines, " "+lead+wl)
		}
	}
	return strings.Join(lines, "\n")
}

// WriteSummary prints how the run ended to the normal screen after the
// wizard left the alternate screen, so it stays in the scrollback. Marks
// are Unicode when the terminal shows it; never colour, so it pastes clean.
func WriteSummary(w io.Writer, r Result, unicode bool) {
	d := newDone(r.Summary, r.Err, r.Interrupted)
	d.findings, d.verifying = r.Verified, r.Verifying
	writeSummary(w, d, r, &Styles{Marks: marksFor(unicode)}, false)
}

func writeSummary(w io.Writer, d doneScreen, r Result, st *Styles, styled bool) {
	sty := func(f func(string) string, s string) string {
		if styled {
			return f(s)
		}
		return s
	}
	ok, fail, warn, key := func(s string) string { return s }, func(s string) string { return s }, func(s string) string { return s }, func(s string) string { return s }
	okMark, failMark := "+", "x"
	if st != nil {
		okMark, failMark = st.Marks.OK, st.Marks.Fail
	}
	if st != nil && styled {
		ok = func(s string) string { return st.OK.Render(s) }
		fail = func(s string) string { return st.Fail.Render(s) }
		warn = func(s string) string { return st.Warn.Render(s) }
		key = func(s string) string { return st.Key.Render(s) }
	}
	s := d.sum
	switch {
	case d.interrupted:
		fmt.Fprintln(w, sty(warn, "Install stopped")+" before it finished; what was installed stays.")
	case d.err != nil || (s != nil && s.Cause != ""):
		fmt.Fprintln(w, sty(fail, failMark+" Install failed"))
		cause := ""
		if s != nil {
			cause = s.Cause
		}
		if cause == "" && d.err != nil {
			cause = d.err.Error()
		}
		// One paragraph: the screen wraps it, a multi-line error would
		// lose its indent.
		fmt.Fprintln(w, "  cause: "+strings.Join(strings.Fields(cause), " "))
		if s != nil && s.BundlePath != "" {
			fmt.Fprintln(w, "  support bundle: "+s.BundlePath)
		}
	default:
		fmt.Fprintln(w, sty(ok, okMark+" Harbor is installed"))
	}
	if s == nil {
		if r.Replay != "" {
			fmt.Fprintln(w, "  replay: "+r.Replay)
		}
		return
	}
	fmt.Fprintln(w)
	if s.HarborURL != "" && !d.interrupted && d.err == nil {
		fmt.Fprintln(w, "  open       "+sty(key, s.HarborURL))
		if s.AdminUser != "" {
			fmt.Fprintln(w, "  log in as  "+s.AdminUser)
		}
		if s.AdminPasswordCommand != "" {
			// On a line of its own, whole, to copy and paste.
			fmt.Fprintln(w, "  password   printed by:")
			fmt.Fprintln(w, "    "+s.AdminPasswordCommand)
		}
		fmt.Fprintln(w)
	}
	if len(s.Releases) > 0 {
		fmt.Fprintln(w, "  releases:")
		for _, rel := range s.Releases {
			mark := okMark
			if rel.Outcome == install.OutcomeFailed || rel.Outcome == install.OutcomeSkipped {
				mark = failMark
			}
			fmt.Fprintf(w, "    %s %-10s %-9s in %s (%s)\n", mark, rel.Name, rel.Outcome, rel.Namespace, fmtDur(rel.Elapsed))
		}
		fmt.Fprintln(w)
	}
	writeProof(w, d, sty, ok, warn, fail, okMark, failMark, st)
	if r.SavedPath != "" {
		fmt.Fprintln(w, "  answers    "+r.SavedPath)
	}
	replay := s.ReplayCommand
	if replay == "" {
		replay = r.Replay
	}
	if replay != "" {
		fmt.Fprintln(w, "  replay     "+replay)
	}
	if s.ResumeCommand != "" && s.ResumeCommand != replay && (d.interrupted || d.err != nil) {
		fmt.Fprintln(w, "  resume     "+s.ResumeCommand)
	}
}

// writeProof lists what the end-to-end proof found: each finding's level
// and one line, while it runs and after.
func writeProof(w io.Writer, d doneScreen, sty func(func(string) string, string) string, ok, warn, fail func(string) string, okMark, failMark string, st *Styles) {
	if len(d.findings) == 0 && !d.verifying {
		return
	}
	warnMark := "!"
	if st != nil {
		warnMark = st.Marks.Warn
	}
	title := "  verified end to end:"
	if d.verifying {
		title = "  verifying Harbor end to end ..."
	}
	fmt.Fprintln(w, title)
	for _, f := range d.findings {
		mark := sty(ok, okMark)
		switch f.Level {
		case steps.Warn:
			mark = sty(warn, warnMark)
		case steps.Fail:
			mark = sty(fail, failMark)
		}
		fmt.Fprintf(w, "    %s %s %s: %s\n", mark, f.Level, f.Key, f.Seen)
	}
	if !d.verifying {
		if n := len(steps.Only(d.findings, steps.Fail)); n > 0 {
			fmt.Fprintf(w, "    %s\n", sty(fail, fmt.Sprintf("%d failed: Harbor is installed but does not work end to end; harbor-installer verify shows each fix", n)))
		}
	}
	fmt.Fprintln(w)
}
