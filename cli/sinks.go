package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/harbor-installer/harbor-installer/install"
)

// eventText is one event as a human line, without the time; "" for events
// a reader needs no line for.
func eventText(e install.Event) string {
	rel := e.Release
	switch e.Type {
	case install.PlanStarted:
		names := make([]string, 0, len(e.Releases))
		for _, r := range e.Releases {
			names = append(names, r.Name)
		}
		return fmt.Sprintf("plan: %d releases: %s", len(e.Releases), strings.Join(names, ", "))
	case install.PreflightDone:
		return "preflight: " + e.Message
	case install.NamespaceReady:
		if e.Message != "" {
			return fmt.Sprintf("namespace %s: %s", e.Namespace, e.Message)
		}
		return fmt.Sprintf("namespace %s %s", e.Namespace, e.Action)
	case install.SecretCreated, install.SecretReused, install.SecretUpdated:
		s := fmt.Sprintf("secret %s %s (revision %d)", e.Secret, strings.TrimPrefix(string(e.Type), "secret."), e.Revision)
		if e.Message != "" {
			s += ": " + e.Message
		}
		return s
	case install.ReleaseWaiting:
		return fmt.Sprintf("%s: waiting for %s", rel, strings.Join(e.Needs, ", "))
	case install.ReleaseRecovering:
		return fmt.Sprintf("%s: recovering from %s", rel, e.Message)
	case install.ReleaseStarted:
		s := fmt.Sprintf("%s: %s chart %s %s (revision %d)", rel, e.Action, e.Chart, e.Version, e.Revision)
		if e.Message != "" {
			s += ", " + e.Message
		}
		return s
	case install.ObjectProgress:
		return fmt.Sprintf("%s: %s", rel, objectText(e))
	case install.ReleaseStalled:
		return fmt.Sprintf("%s: stalled %s: %s", rel, e.StalledFor.Round(time.Second), strings.TrimPrefix(strings.TrimPrefix(e.Message, "no progress: "), "no progress; "))
	case install.ReleaseReady:
		if e.Message != "" {
			return fmt.Sprintf("%s: %s", rel, e.Message)
		}
		return fmt.Sprintf("%s: ready (revision %d)", rel, e.Revision)
	case install.ReleaseUnchanged:
		return fmt.Sprintf("%s: unchanged (revision %d)", rel, e.Revision)
	case install.ReleasePlanned:
		return fmt.Sprintf("%s: dry run: %s", rel, e.Message)
	case install.ReleaseFailed:
		if e.Error == "" {
			return fmt.Sprintf("%s: %s", rel, e.Message)
		}
		s := fmt.Sprintf("%s: failed: %s", rel, e.Error)
		if e.Blocker != nil && len(e.Blocker.LogTail) > 0 {
			s += "\n    last log lines:\n      " + strings.Join(e.Blocker.LogTail, "\n      ")
		}
		return s
	case install.ReleaseSkipped:
		return fmt.Sprintf("%s: skipped: %s", rel, e.Message)
	case install.ObjectApplied:
		s := fmt.Sprintf("%s: applied %s", rel, e.Object)
		if e.Message != "" {
			s += " (" + e.Message + ")"
		}
		return s
	case install.PlanDone:
		return "done"
	case install.PlanFailed:
		return "failed: " + e.Error
	case install.PlanInterrupted:
		return e.Message
	case install.VerifyFinding:
		if e.Finding == nil {
			return ""
		}
		f := e.Finding
		s := fmt.Sprintf("verify %-4s %s: %s", f.Level, f.Key, f.Seen)
		if f.Hint != "" {
			s += "\n    -> " + f.Hint
		}
		return s
	}
	return string(e.Type)
}

func objectText(e install.Event) string {
	s := e.Object.String() + " " + string(e.State)
	if e.Desired > 0 {
		s += fmt.Sprintf(" %d/%d", e.Ready, e.Desired)
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// plainSink writes one line per event with the elapsed time: for logs and
// pipes (stdout not a terminal).
func plainSink(out io.Writer) func(install.Event) {
	return func(e install.Event) {
		t := eventText(e)
		if t == "" {
			return
		}
		fmt.Fprintf(out, "[%7.1fs] %s\n", e.Elapsed.Seconds(), t)
	}
}

// jsonSink writes one event per line (--output json).
func jsonSink(out io.Writer) func(install.Event) {
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	return func(e install.Event) { _ = enc.Encode(e) }
}

// printSummary closes a text run: where Harbor is, how to log in, what each
// release is at, and how to replay or resume.
func printSummary(out io.Writer, s *install.Summary, failed bool) {
	if s == nil {
		return
	}
	fmt.Fprintln(out)
	if s.HarborURL != "" {
		fmt.Fprintf(out, "Harbor:          %s\n", s.HarborURL)
	}
	if s.AdminUser != "" && s.AdminPasswordCommand != "" {
		fmt.Fprintf(out, "Admin user:      %s\n", s.AdminUser)
		fmt.Fprintf(out, "Admin password:  %s\n", s.AdminPasswordCommand)
	}
	fmt.Fprintln(out, "Releases:")
	for _, r := range s.Releases {
		rev := ""
		if r.Revision > 0 {
			rev = fmt.Sprintf("revision %d", r.Revision)
		}
		fmt.Fprintf(out, "  %-18s %-10s %-10s %-12s %s\n", r.Name, r.Namespace, r.Outcome, rev, r.Elapsed.Round(100*time.Millisecond))
	}
	if s.Cause != "" {
		fmt.Fprintf(out, "Cause:           %s\n", s.Cause)
	}
	if s.BundlePath != "" {
		fmt.Fprintf(out, "Support bundle:  %s\n", s.BundlePath)
	}
	if (failed || s.Cause != "") && s.ResumeCommand != "" {
		fmt.Fprintf(out, "Resume:          %s\n", s.ResumeCommand)
	} else if s.ReplayCommand != "" {
		fmt.Fprintf(out, "Replay:          %s\n", s.ReplayCommand)
	}
	fmt.Fprintf(out, "Elapsed:         %s\n", s.Elapsed.Round(100*time.Millisecond))
}

// liveView is the terminal's compact view: one line per release, redrawn
// in place, with other events (namespaces, Secrets, stalls) scrolling above
// it. It needs no TUI library: cursor-up and clear-to-end are enough.
type liveView struct {
	out   io.Writer
	width int
	ascii bool
	color bool
	order []string
	rows  map[string]string
	// drawn is how many release lines are on screen below the log.
	drawn int
	// closed: the plan ended and its rows stay as drawn; later events
	// (verify's findings) only print their lines.
	closed bool
}

// newLiveView sizes the view to the terminal behind out.
func newLiveView(out io.Writer) *liveView {
	w := 80
	if f, ok := out.(*os.File); ok {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 0 {
			w = cols
		}
	}
	return &liveView{out: out, width: w, ascii: !utf8Locale(), color: os.Getenv("NO_COLOR") == "", rows: map[string]string{}}
}

// utf8Locale follows the C library's order: LC_ALL, LC_CTYPE, LANG.
func utf8Locale() bool {
	for _, k := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if v := os.Getenv(k); v != "" {
			v = strings.ToLower(v)
			return strings.Contains(v, "utf-8") || strings.Contains(v, "utf8")
		}
	}
	return false
}

func (v *liveView) mark(kind string) string {
	utf := map[string]string{"wait": "·", "run": "…", "ok": "✓", "same": "=", "fail": "✗", "skip": "-", "warn": "!"}
	asc := map[string]string{"wait": ".", "run": ">", "ok": "+", "same": "=", "fail": "x", "skip": "-", "warn": "!"}
	m := utf[kind]
	if v.ascii {
		m = asc[kind]
	}
	if !v.color {
		return m
	}
	code := map[string]string{"ok": "32", "same": "32", "fail": "31", "warn": "33", "run": "36"}[kind]
	if code == "" {
		return m
	}
	return "\x1b[" + code + "m" + m + "\x1b[0m"
}

// sink is the view's event handler.
func (v *liveView) sink(e install.Event) {
	var logLine string
	row := func(kind, text string) {
		v.rows[e.Release] = fmt.Sprintf("%s %-16s %s", v.mark(kind), e.Release, text)
	}
	switch e.Type {
	case install.PlanStarted:
		for _, r := range e.Releases {
			v.order = append(v.order, r.Name)
			v.rows[r.Name] = fmt.Sprintf("%s %-16s %s", v.mark("wait"), r.Name, "pending")
		}
		logLine = eventText(e)
	case install.ReleaseWaiting:
		row("wait", "waiting for "+strings.Join(e.Needs, ", "))
	case install.ReleaseRecovering:
		row("run", "recovering from "+e.Message)
	case install.ReleaseStarted:
		row("run", fmt.Sprintf("%s %s (revision %d)", e.Action, e.Version, e.Revision))
	case install.ObjectProgress:
		row("run", objectText(e))
	case install.ReleaseStalled:
		row("warn", fmt.Sprintf("stalled %s", e.StalledFor.Round(time.Second)))
		logLine = eventText(e)
	case install.ReleaseReady:
		if e.Message == "" {
			row("ok", fmt.Sprintf("ready (revision %d) %s", e.Revision, fmtElapsed(e.Elapsed)))
		} else {
			logLine = eventText(e)
		}
	case install.ReleaseUnchanged:
		row("same", fmt.Sprintf("unchanged (revision %d)", e.Revision))
	case install.ReleasePlanned:
		row("ok", "dry run: accepted")
	case install.ReleaseFailed:
		if e.Error != "" {
			row("fail", "failed")
		}
		logLine = eventText(e)
	case install.ReleaseSkipped:
		row("skip", "skipped: "+e.Message)
	default:
		logLine = eventText(e)
	}
	v.redraw(logLine, e.Type == install.PlanDone || e.Type == install.PlanFailed || e.Type == install.PlanInterrupted)
}

func fmtElapsed(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }

// redraw erases the release lines, prints a log line above them, and draws
// them again, each cut to the terminal's width. final leaves them in place.
func (v *liveView) redraw(logLine string, final bool) {
	var b strings.Builder
	if v.closed {
		if logLine != "" {
			for _, l := range strings.Split(logLine, "\n") {
				b.WriteString(v.cut(l) + "\n")
			}
		}
		io.WriteString(v.out, b.String())
		return
	}
	if v.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA\x1b[J", v.drawn)
	}
	if logLine != "" {
		for _, l := range strings.Split(logLine, "\n") {
			b.WriteString(v.cut(l) + "\n")
		}
	}
	for _, name := range v.order {
		b.WriteString(v.cut(v.rows[name]) + "\n")
	}
	v.drawn = len(v.order)
	if final {
		v.drawn, v.closed = 0, true
	}
	io.WriteString(v.out, b.String())
}

// cut shortens s to the terminal width, not counting colour sequences.
func (v *liveView) cut(s string) string {
	max := v.width - 1
	if max < 10 {
		max = 10
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(s); {
		if s[i] == 0x1b { // copy a colour sequence whole
			j := strings.IndexByte(s[i:], 'm')
			if j < 0 {
				break
			}
			b.WriteString(s[i : i+j+1])
			i += j + 1
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if n == max {
			if v.color {
				b.WriteString("\x1b[0m")
			}
			break
		}
		b.WriteRune(r)
		n++
		i += size
	}
	return b.String()
}
