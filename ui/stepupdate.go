package ui

import (
	"context"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/harbor-installer/harbor-installer/steps"
)

// enterStep shows the current step: focus its first field and start its
// live checks unless they already ran against these answers.
func (m *Model) enterStep() tea.Cmd {
	sc := m.cur()
	sc.visited = true
	sc.notice = ""
	sc.validate(m.a)
	var cmds []tea.Cmd
	if f := sc.focused(m.a); f != nil {
		cmds = append(cmds, f.focus())
	}
	if sc.liveFP != m.fp() {
		cmds = append(cmds, m.startLive(m.stepIdx))
	}
	return tea.Batch(cmds...)
}

func (m *Model) leaveStep() {
	sc := m.cur()
	if f := sc.focused(m.a); f != nil {
		f.blur()
	}
}

// startLive runs the step's live checks now, cancelling any running ones.
func (m *Model) startLive(idx int) tea.Cmd {
	sc := m.stepsSc[idx]
	if sc.step.Check == nil || m.deps.Checker == nil {
		sc.liveFP = m.fp()
		sc.live = nil
		return nil
	}
	if sc.liveCancel != nil {
		sc.liveCancel()
	}
	sc.liveSeq++
	seq, fp := sc.liveSeq, m.fp()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	sc.liveCancel = cancel
	sc.liveRunning = true
	a := *m.a
	checker, step := m.deps.Checker, sc.step
	return func() tea.Msg {
		defer cancel()
		fs := checker.Check(ctx, step, &a)
		for i := range fs {
			fs[i].Step, fs[i].Live = step.Name, true
		}
		return liveResultMsg{step: idx, seq: seq, fp: fp, findings: fs}
	}
}

// edited is called after every change of an answer: field checks now, live
// checks after the pause.
func (m *Model) edited() tea.Cmd {
	sc := m.cur()
	sc.validate(m.a)
	sc.notice = ""
	if sc.liveCancel != nil {
		sc.liveCancel() // the input changed: its result would be stale
		sc.liveCancel = nil
	}
	sc.liveRunning = false
	sc.advanceWhenDone = false
	sc.liveSeq++
	seq, idx := sc.liveSeq, m.stepIdx
	return tea.Tick(m.debounce, func(time.Time) tea.Msg { return liveTickMsg{step: idx, seq: seq} })
}

func (m *Model) onLiveTick(msg liveTickMsg) tea.Cmd {
	if m.stepsSc == nil || msg.step >= len(m.stepsSc) || m.stepsSc[msg.step].liveSeq != msg.seq {
		return nil // more typing came after this pause
	}
	sc := m.stepsSc[msg.step]
	var cmds []tea.Cmd
	if sc.step.Name == "cluster" {
		cmds = append(cmds, m.probe(m.a.Cluster.Kubeconfig, m.a.Cluster.Context))
	}
	if sc.liveFP == m.fp() {
		return tea.Batch(cmds...) // back to answers already checked
	}
	return tea.Batch(append(cmds, m.startLive(msg.step))...)
}

func (m *Model) onLiveResult(msg liveResultMsg) tea.Cmd {
	if msg.step >= len(m.stepsSc) {
		return nil
	}
	sc := m.stepsSc[msg.step]
	if msg.seq != sc.liveSeq {
		return nil // stale: the answers changed while it ran
	}
	sc.liveRunning = false
	sc.liveCancel = nil
	sc.liveFP, sc.live = msg.fp, msg.findings
	if sc.advanceWhenDone && msg.step == m.stepIdx && m.screen == screenStep {
		sc.advanceWhenDone = false
		return m.tryAdvance()
	}
	return nil
}

// tryAdvance leaves the step forward unless a fail blocks it or a warning
// was not accepted; it says which on screen.
func (m *Model) tryAdvance() tea.Cmd {
	sc := m.cur()
	fp := m.fp()
	if sc.liveRunning {
		sc.advanceWhenDone = true
		sc.notice = "checks are running; continuing when they pass"
		return nil
	}
	if sc.liveFP != fp && sc.step.Check != nil && m.deps.Checker != nil {
		sc.advanceWhenDone = true
		sc.notice = "checks are running; continuing when they pass"
		return m.startLive(m.stepIdx)
	}
	fs := sc.findings(fp)
	switch steps.Worst(fs) {
	case steps.Fail:
		sc.notice = "fix the " + m.st.Marks.Fail + " findings to continue (esc goes back)"
		return nil
	case steps.Warn:
		if sc.acceptedWarn != warnText(fs) {
			sc.notice = "accept the warnings with ctrl+a, or change the answers"
			return nil
		}
	}
	m.leaveStep()
	if m.stepIdx == len(m.stepsSc)-1 {
		return m.openReview()
	}
	m.stepIdx++
	return m.enterStep()
}

func (m *Model) updateStep(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	sc := m.cur()
	vis := sc.visible(m.a)
	f := sc.focused(m.a)
	k := m.keys
	// A pick field's filter takes the keys while open.
	if f != nil && f.filtering {
		switch msg.String() {
		case "esc":
			f.filtering = false
			f.filter.SetValue("")
			f.filter.Blur()
			f.syncOptionIndex()
			return m, f.focus()
		case "enter", "tab":
			f.filtering = false
			f.filter.Blur()
			if opts := f.visibleOptions(); len(opts) > 0 {
				i := max(f.optIdx, 0)
				f.input.SetValue(opts[i].value)
				f.apply(m.a)
			}
			f.filter.SetValue("")
			f.syncOptionIndex()
			return m, tea.Batch(f.focus(), m.edited())
		case "up", "down":
			d := 1
			if msg.String() == "up" {
				d = -1
			}
			f.moveOption(m.a, d)
			return m, m.edited()
		}
		var cmd tea.Cmd
		f.filter, cmd = f.filter.Update(msg)
		f.optIdx = 0
		return m, cmd
	}
	move := func(d int) (tea.Model, tea.Cmd) {
		if f == nil {
			return m, nil
		}
		f.blur()
		sc.focus = (sc.focus + d + len(vis)) % len(vis)
		return m, sc.focused(m.a).focus()
	}
	switch {
	case key.Matches(msg, k.Back):
		if m.stepIdx == 0 {
			m.leaveStep()
			m.screen = screenWelcome
			return m, nil
		}
		m.leaveStep()
		m.stepIdx--
		return m, m.enterStep()
	case key.Matches(msg, k.Continue):
		return m, m.tryAdvance()
	case key.Matches(msg, k.Next):
		return move(1)
	case key.Matches(msg, k.Prev):
		return move(-1)
	case key.Matches(msg, k.Accept) || (msg.String() == "a" && (f == nil || !f.editable())):
		fs := sc.findings(m.fp())
		if steps.Worst(fs) == steps.Warn {
			sc.acceptedWarn = warnText(fs)
			sc.notice = "warnings accepted; enter continues"
		}
		return m, nil
	case key.Matches(msg, k.Recheck) || (msg.String() == "r" && (f == nil || !f.editable())):
		sc.liveFP = ""
		return m, m.startLive(m.stepIdx)
	}
	if f == nil {
		return m, nil
	}
	switch msg.String() {
	case "up", "down":
		d := 1
		if msg.String() == "up" {
			d = -1
		}
		if f.def.kind == kindPick && len(f.options) > 0 {
			f.moveOption(m.a, d)
			return m, m.edited()
		}
		return move(d)
	case "left", "right", " ":
		if f.def.kind == kindEnum || f.def.kind == kindBool || (f.def.kind == kindSecret && (msg.String() != " " || !f.editable())) {
			if msg.String() == " " && f.def.kind == kindSecret {
				break
			}
			d := 1
			if msg.String() == "left" {
				d = -1
			}
			if f.def.kind == kindSecret {
				m.secretEdits++
			}
			f.cycle(m.a, d)
			return m, m.edited()
		}
	case "/":
		if f.def.kind == kindPick && len(f.options) > 0 {
			f.filtering = true
			f.input.Blur()
			return m, f.filter.Focus()
		}
	}
	if !f.editable() {
		return m, nil
	}
	if f.def.kind == kindNumber && len(msg.Runes) > 0 {
		for _, r := range msg.Runes {
			if r < '0' || r > '9' {
				return m, nil
			}
		}
	}
	before := f.input.Value()
	var cmd tea.Cmd
	f.input, cmd = f.input.Update(msg)
	if f.input.Value() == before {
		return m, cmd
	}
	if f.def.kind == kindSecret {
		m.secretEdits++
	}
	f.apply(m.a)
	if f.def.kind == kindPick {
		f.syncOptionIndex()
	}
	return m, tea.Batch(cmd, m.edited())
}
