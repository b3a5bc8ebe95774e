package ui

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/harbor-installer/harbor-installer/steps"
)

// startVerify runs the Verifier after an install that finished cleanly;
// its findings come back one message at a time, like the install's events.
func (m *Model) startVerify() tea.Cmd {
	d := &m.done
	if m.deps.Verifier == nil || d.interrupted || d.err != nil || d.sum == nil || d.sum.Cause != "" {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan tea.Msg, 16)
	d.verifying, d.cancelVerify, d.verifyEvents = true, cancel, ch
	m.result.Verifying = true
	a := *m.a
	v := m.deps.Verifier
	go func() {
		fs, err := v.Verify(ctx, &a, func(f steps.Finding) { ch <- verifyFindingMsg{f} })
		ch <- verifyDoneMsg{findings: fs, err: err}
		close(ch)
	}()
	return waitEvent(ch)
}

// updateVerify folds the proof's findings into the Done screen.
func (m *Model) updateVerify(msg tea.Msg) (tea.Model, tea.Cmd) {
	d := &m.done
	switch msg := msg.(type) {
	case verifyFindingMsg:
		d.findings = append(d.findings, msg.f)
		m.result.Verified = d.findings
		return m, waitEvent(d.verifyEvents)
	case verifyDoneMsg:
		d.verifying = false
		m.result.Verifying = false
		// The returned list is the whole proof, also when report missed one.
		if len(msg.findings) >= len(d.findings) {
			d.findings = msg.findings
		}
		m.result.Verified = d.findings
	}
	return m, nil
}

// stopVerify abandons a proof still running when the admin leaves Done.
func (d *doneScreen) stopVerify() {
	if d.verifying && d.cancelVerify != nil {
		d.cancelVerify()
	}
}
