package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/progress"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"

	"github.com/harbor-installer/harbor-installer/install"
	"github.com/harbor-installer/harbor-installer/kube/model"
)

// installScreen turns the engine's events into a progress view: an overall
// bar, a row per release, ready/desired per workload, and a stall's blocker.
type installScreen struct {
	events                                   chan tea.Msg
	cancel                                   context.CancelFunc
	rows                                     []*releaseRow
	byName                                   map[string]*releaseRow
	elapsed                                  time.Duration
	lastAt                                   time.Time
	secretsMade, secretsKept, secretsUpdated int
	confirm                                  bool // ctrl+c asked: abandon?
	stopped                                  bool // cancel sent
	bar                                      progress.Model
	started                                  time.Time
}

// releaseRow is one release's line.
type releaseRow struct {
	name, ns, chart, version string
	needs                    []string
	state                    string // waiting, installing, ready, unchanged, failed, skipped
	start, end               time.Duration
	objects                  map[string]model.ObjectStatus
	objOrder                 []string
	stall                    *install.Event
	err                      string
}

// startInstall runs the installer in the background; its events come back
// over a channel one message at a time (re-armed after each).
func (m *Model) startInstall() tea.Cmd {
	plan := m.review.plan
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan tea.Msg, 64)
	bar := progress.New(progress.WithSolidFill("4"), progress.WithoutPercentage(), progress.WithFillCharacters(m.st.Marks.BarFull, m.st.Marks.BarEmpty))
	if !m.st.Caps.Color {
		bar = progress.New(progress.WithoutPercentage(), progress.WithFillCharacters(m.st.Marks.BarFull, m.st.Marks.BarEmpty), progress.WithColorProfile(termenv.Ascii))
	}
	m.inst = installScreen{events: ch, cancel: cancel, byName: map[string]*releaseRow{}, bar: bar, started: m.now(), lastAt: m.now()}
	for _, r := range plan.Releases {
		m.inst.addRow(r.Name, r.Namespace, r.Chart.Name, r.Chart.Version, r.Needs)
	}
	m.screen = screenInstall
	a := *m.a
	inst := m.deps.Installer
	go func() {
		sum, err := inst.Run(ctx, &a, plan, func(ev install.Event) { ch <- installEventMsg{ev} })
		ch <- installDoneMsg{sum: sum, err: err}
		close(ch)
	}()
	return tea.Batch(waitEvent(ch), tea.Tick(time.Second, func(time.Time) tea.Msg { return secondTickMsg{} }))
}

func waitEvent(ch chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		msg, ok := <-ch
		if !ok {
			return nil
		}
		return msg
	}
}

func (s *installScreen) addRow(name, ns, chart, version string, needs []string) *releaseRow {
	if r := s.byName[name]; r != nil {
		return r
	}
	r := &releaseRow{name: name, ns: ns, chart: chart, version: version, needs: needs, state: "waiting", objects: map[string]model.ObjectStatus{}}
	s.rows = append(s.rows, r)
	s.byName[name] = r
	return r
}

// apply folds one event into the rows.
func (s *installScreen) apply(ev install.Event) {
	s.elapsed = ev.Elapsed
	switch ev.Type {
	case install.PlanStarted:
		// The engine's order wins over the plan's as the wizard saw it.
		var rows []*releaseRow
		for _, ri := range ev.Releases {
			r := s.addRow(ri.Name, ri.Namespace, ri.Chart, ri.Version, ri.Needs)
			r.needs = ri.Needs
			rows = append(rows, r)
		}
		for _, r := range s.rows {
			if !containsRow(rows, r) {
				rows = append(rows, r)
			}
		}
		s.rows = rows
		return
	case install.SecretCreated:
		s.secretsMade++
	case install.SecretReused:
		s.secretsKept++
	case install.SecretUpdated:
		s.secretsUpdated++
	}
	if ev.Release == "" {
		return
	}
	r := s.addRow(ev.Release, ev.Namespace, ev.Chart, ev.Version, ev.Needs)
	switch ev.Type {
	case install.ReleaseWaiting:
		r.state = "waiting"
		r.needs = ev.Needs
	case install.ReleaseStarted, install.ReleaseRecovering:
		r.state, r.start = "installing", ev.Elapsed
		if ev.Version != "" {
			r.version = ev.Version
		}
	case install.ObjectProgress:
		if ev.Object != nil {
			k := ev.Object.Kind + "/" + ev.Object.Name
			if _, ok := r.objects[k]; !ok {
				r.objOrder = append(r.objOrder, k)
			}
			r.objects[k] = model.ObjectStatus{Ref: *ev.Object, State: ev.State, Ready: ev.Ready, Desired: ev.Desired}
			r.stall = nil
		}
	case install.ReleaseStalled:
		e := ev
		r.stall = &e
	case install.ReleaseReady:
		r.state, r.end, r.stall = "ready", ev.Elapsed, nil
	case install.ReleaseUnchanged:
		r.state, r.end = "unchanged", ev.Elapsed
	case install.ReleaseFailed:
		r.state, r.end, r.err = "failed", ev.Elapsed, ev.Error
		if ev.Blocker != nil {
			e := ev
			r.stall = &e
		}
	case install.ReleaseSkipped:
		r.state = "skipped"
	}
}

// fraction is the share of the plan done: finished releases count whole,
// a running one by its objects' ready share.
func (s *installScreen) fraction() float64 {
	if len(s.rows) == 0 {
		return 0
	}
	total := 0.0
	for _, r := range s.rows {
		switch r.state {
		case "ready", "unchanged", "failed", "skipped":
			total++
		case "installing":
			ready, desired := 0, 0
			for _, o := range r.objects {
				ready += min(o.Ready, o.Desired)
				desired += o.Desired
			}
			if desired > 0 {
				total += 0.9 * float64(ready) / float64(desired)
			}
		}
	}
	return total / float64(len(s.rows))
}

func (m *Model) updateInstall(msg tea.Msg) (tea.Model, tea.Cmd) {
	s := &m.inst
	switch msg := msg.(type) {
	case installEventMsg:
		s.apply(msg.ev)
		s.lastAt = m.now()
		return m, waitEvent(s.events)
	case installDoneMsg:
		m.result.Summary, m.result.Err = msg.sum, msg.err
		m.done = newDone(msg.sum, msg.err, s.stopped)
		m.result.Interrupted = s.stopped
		m.screen = screenDone
		return m, m.startVerify()
	case secondTickMsg:
		if m.screen != screenInstall {
			return m, nil
		}
		return m, tea.Tick(time.Second, func(time.Time) tea.Msg { return secondTickMsg{} })
	case tea.KeyMsg:
		switch {
		case msg.String() == "ctrl+c" && (s.confirm || s.stopped):
			s.confirm = false
			if !s.stopped {
				s.stopped = true
				s.cancel()
			}
		case msg.String() == "ctrl+c":
			s.confirm = true
		case s.confirm && (msg.String() == "y" || msg.String() == "enter"):
			s.confirm, s.stopped = false, true
			s.cancel()
		case s.confirm:
			s.confirm = false
		}
	}
	return m, nil
}

// clock is the run's elapsed time: the engine's last event plus the wall
// time since, so it keeps moving while nothing happens.
func (m *Model) clock() time.Duration {
	return m.inst.elapsed + m.now().Sub(m.inst.lastAt).Truncate(time.Second)
}

func fmtDur(d time.Duration) string {
	d = d.Truncate(time.Second)
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

func (m *Model) installView(h int) string {
	st, mk := m.st, m.st.Marks
	s := &m.inst
	w := m.width - 2
	frac := s.fraction()
	head := fmt.Sprintf(" %s %s %d releases %s %s", st.Title.Render("Installing"), mk.Bullet, len(s.rows), mk.Bullet, fmtDur(m.clock()))
	if s.stopped {
		head = fmt.Sprintf(" %s %s %s", st.Warn.Render("Stopping cleanly"), mk.Bullet, "waiting for the running step to stop")
	}
	s.bar.Width = max(w-40, 10)
	pct := fmt.Sprintf(" %3d%%", int(frac*100))
	lines := []string{head + strings.Repeat(" ", max(w-len(stripANSI(head))-s.bar.Width-len(pct), 1)) + s.bar.ViewAs(frac) + pct, ""}
	if n := s.secretsMade + s.secretsKept + s.secretsUpdated; n > 0 {
		var parts []string
		for _, p := range []struct {
			n    int
			what string
		}{{s.secretsMade, "created"}, {s.secretsKept, "kept"}, {s.secretsUpdated, "updated"}} {
			if p.n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", p.n, p.what))
			}
		}
		lines = append(lines, fmt.Sprintf(" %s %-9s %s", st.OK.Render(mk.OK), "secrets", strings.Join(parts, " "+mk.Bullet+" ")))
	}
	for _, r := range s.rows {
		mark, style := mk.Todo, st.Todo
		switch r.state {
		case "installing":
			mark, style = m.spin.View(), st.Current
		case "ready":
			mark, style = mk.OK, st.OK
		case "unchanged":
			mark, style = mk.OK, st.Dim
		case "failed":
			mark, style = mk.Fail, st.Fail
		case "skipped":
			mark, style = mk.Todo, st.Dim
		}
		if r.state != "installing" {
			mark = style.Render(mark)
		}
		detail := r.detail(mk)
		dur := ""
		switch r.state {
		case "installing":
			dur = fmtDur(m.clock() - r.start)
		case "ready", "unchanged", "failed":
			dur = fmtDur(r.end - r.start)
		}
		left := fmt.Sprintf(" %s %-9s %-18s ", mark, r.name, m.trunc(r.chart+" "+r.version, 18))
		room := w - cellWidth(left) - len(dur) - 1
		lines = append(lines, left+padRight(m.trunc(detail, room), room)+" "+dur)
		if r.stall != nil {
			lines = append(lines, m.stallLines(r, w)...)
		}
		if r.err != "" && r.state == "failed" && r.stall == nil {
			lines = append(lines, "             "+st.Fail.Render(m.trunc(r.err, w-14)))
		}
	}
	if s.confirm {
		lines = append(lines, "", " "+st.Warn.Render("Abandon the install?")+" The run stops at a safe point and can be resumed. "+st.Key.Render("y")+" stop · any other key goes on")
	}
	return strings.Join(lines, "\n")
}

func cellWidth(s string) int { return len([]rune(stripANSI(s))) }

func padRight(s string, w int) string {
	return s + strings.Repeat(" ", max(w-cellWidth(s), 0))
}

// detail is a release row's middle: what it waits for, its workloads'
// ready/desired, or its outcome.
func (r *releaseRow) detail(mk Marks) string {
	switch r.state {
	case "waiting":
		if len(r.needs) > 0 {
			return "waits for " + strings.Join(r.needs, ", ")
		}
		return "waiting"
	case "unchanged":
		return "unchanged"
	case "skipped":
		return "skipped"
	}
	var parts []string
	for _, k := range r.objOrder {
		o := r.objects[k]
		name := o.Ref.Name
		if o.Ref.Kind == "Job" {
			state := "running"
			// A hook Job is deleted once it succeeds: a ready release
			// means it completed.
			if o.State == model.Ready || r.state == "ready" {
				state = "complete"
			}
			parts = append(parts, "Job "+name+" "+state)
			continue
		}
		if o.Desired == 0 && o.State != model.Ready {
			parts = append(parts, name+" "+string(o.State))
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %d/%d", name, o.Ready, o.Desired))
	}
	if len(parts) == 0 {
		return r.state
	}
	return strings.Join(parts, " "+mk.Bullet+" ")
}

// stallLines say what holds a release back: the object and its last event.
func (m *Model) stallLines(r *releaseRow, w int) []string {
	st := m.st
	ev := r.stall
	pad := "             "
	var out []string
	head := "no progress"
	if ev.StalledFor > 0 {
		head = fmt.Sprintf("%s without progress", ev.StalledFor.Truncate(time.Second))
	}
	if b := ev.Blocker; b != nil {
		head += ": " + blockerName(b)
	}
	out = append(out, pad+st.Warn.Render(st.Marks.Warn+" "+m.trunc(head, w-len(pad)-2)))
	if b := ev.Blocker; b != nil && b.Reason+b.Message != "" {
		for _, l := range wrap(strings.TrimSpace(b.Reason+": "+b.Message), w-len(pad)-2, "") {
			out = append(out, pad+"  "+st.Hint.Render(l))
		}
	}
	return out
}

func blockerName(b *model.Blocker) string {
	s := b.Ref.Kind + " " + b.Ref.Name
	if b.Phase != "" {
		s += " " + b.Phase
	}
	return s
}

func containsRow(rows []*releaseRow, r *releaseRow) bool {
	for _, x := range rows {
		if x == r {
			return true
		}
	}
	return false
}
