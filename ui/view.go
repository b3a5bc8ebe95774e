package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"
)

// View draws the frame (header, body, help line) around the current screen.
func (m *Model) View() string {
	if m.quitting {
		return ""
	}
	if m.width < minWidth || m.height < minHeight {
		return fmt.Sprintf("harbor-installer needs a terminal of at least %dx%d;\nthis one is %dx%d.\nEnlarge the window, or run with --accessible for plain prompts.",
			minWidth, minHeight, m.width, m.height)
	}
	header := m.headerView()
	rule := m.st.Dim.Render(strings.Repeat(m.st.Marks.Rule, m.width))
	m.keys.shortKeys = m.shortKeys()
	helpView := m.help.View(m.keys)
	if !m.help.ShowAll {
		helpView = m.trunc(helpView, m.width-2)
	}
	helpView = indentLines(helpView, " ")
	footerLines := lipgloss.Height(helpView)
	bodyH := m.height - 2 - 1 - footerLines
	var body string
	switch m.screen {
	case screenWelcome:
		body = m.welcomeView(bodyH)
	case screenStep:
		body = m.stepView(bodyH)
	case screenReview:
		body = m.reviewView(bodyH)
	case screenPager:
		body = m.pagerView(bodyH)
	case screenInstall:
		body = m.installView(bodyH)
	case screenDone:
		body = m.doneView(bodyH)
	}
	body = fitHeight(body, bodyH, m.width, ellipsis(m.st))
	out := strings.Join([]string{header, rule, body, rule, helpView}, "\n")
	if !m.st.Caps.Unicode {
		out = asciiFold(out)
	}
	return out
}

// asciiFold makes a screen safe for a non-UTF-8 terminal: the few symbols
// screens and check texts use get ASCII stand-ins, anything else a '?'.
func asciiFold(s string) string {
	s = strings.NewReplacer("↑/↓", "up/down", "←/→", "left/right", "·", "-", "…", "...", "—", "-", "–", "-",
		"’", "'", "“", "\"", "”", "\"", "×", "x", "≥", ">=", "≤", "<=", "→", "->").Replace(s)
	if isASCII(s) {
		return s
	}
	b := []rune(s)
	for i, r := range b {
		if r > 127 {
			b[i] = '?'
		}
	}
	return string(b)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] > 127 {
			return false
		}
	}
	return true
}

// fitHeight pads or cuts s to exactly h lines of at most w cells.
func fitHeight(s string, h, w int, ell string) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	for i, l := range lines {
		if lipgloss.Width(l) > w {
			lines[i] = truncateWith(l, w, ell)
		}
	}
	return strings.Join(lines, "\n")
}

// headerView always names the context and API server: the one fact that
// prevents installing into the wrong cluster.
func (m *Model) headerView() string {
	st := m.st
	left := " " + st.Header.Render("harbor-installer") + "  "
	c := m.cluster
	var parts []string
	switch {
	case m.probing && c.Server == "" && c.Err == nil:
		parts = append(parts, m.spin.View()+" looking for the cluster")
	case c.Err != nil && c.Server == "":
		parts = append(parts, st.Fail.Render("no cluster"))
	default:
		if c.Context != "" {
			parts = append(parts, "context "+st.Header.Render(c.Context))
		}
		if c.Server != "" {
			parts = append(parts, c.Server)
		}
		if c.Err != nil {
			parts = append(parts, st.Fail.Render("unreachable"))
		} else if c.Version != "" {
			parts = append(parts, "Kubernetes "+c.Version)
		}
		if len(parts) == 3 && lipgloss.Width(left)+lipgloss.Width(strings.Join(parts, " · "))+lipgloss.Width(m.headerRight())+2 > m.width {
			// Narrow terminals: the context's name, server and version alone.
			parts[0], parts[2] = st.Header.Render(c.Context), c.Version
			parts[1] = strings.TrimPrefix(parts[1], "https://")
		}
	}
	mid := strings.Join(parts, " "+st.Marks.Bullet+" ")
	right := m.headerRight()
	room := m.width - lipgloss.Width(left) - lipgloss.Width(right)
	mid = m.trunc(mid, room-1)
	gap := max(room-lipgloss.Width(mid), 1)
	return left + mid + strings.Repeat(" ", gap) + right
}

// headerRight labels a simulated cluster and names the preset.
func (m *Model) headerRight() string {
	right := ""
	if m.opts.Simulated {
		right = m.st.Simulated.Render("SIMULATED") + " "
	}
	if m.a != nil && m.a.Preset != "" {
		right += m.st.HeaderDim.Render("preset "+m.a.Preset) + " "
	}
	return right
}

// trunc cuts a (possibly styled) line to w cells, marking the cut with
// the terminal's ellipsis.
func (m *Model) trunc(s string, w int) string { return truncateWith(s, w, ellipsis(m.st)) }

func truncateWith(s string, w int, ell string) string {
	if w <= 0 {
		return ""
	}
	if lipgloss.Width(s) <= w {
		return s
	}
	r := []rune(stripANSI(s))
	for len(r) > 0 && lipgloss.Width(string(r)) > w-lipgloss.Width(ell) {
		r = r[:len(r)-1]
	}
	return string(r) + ell
}

// stripANSI removes escape sequences (used only when cutting a line).
func stripANSI(s string) string {
	var b strings.Builder
	esc := false
	for _, r := range s {
		switch {
		case r == 0x1b:
			esc = true
		case esc && ((r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')):
			esc = false
		case !esc:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// wrap breaks text to width w, indenting continuation lines by indent.
func wrap(text string, w int, indent string) []string {
	var out []string
	line := ""
	for _, word := range strings.Fields(text) {
		if line != "" && lipgloss.Width(line)+1+lipgloss.Width(word) > w {
			out = append(out, line)
			line = indent + word
			continue
		}
		if line == "" {
			line = word
		} else if strings.TrimSpace(line) == "" {
			line += word
		} else {
			line += " " + word
		}
	}
	if line != "" {
		out = append(out, line)
	}
	return out
}
