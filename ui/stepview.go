package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/steps"
)

// sideWidth is the step list's column.
const sideWidth = 18

// stepListView is the side list: done, current, pending and each step's
// check state (✓ ok, ! warning, ✗ fail, ● current, ○ to do).
func (m *Model) stepListView(current int) []string {
	st, mk := m.st, m.st.Marks
	fp := m.fp()
	var out []string
	for i, sc := range m.stepsSc {
		mark, style := mk.Todo, st.Todo
		switch {
		case i == current:
			mark, style = mk.Current, st.Current
		case sc.visited:
			switch sc.state(fp) {
			case steps.Fail:
				mark, style = mk.Fail, st.Fail
			case steps.Warn:
				mark, style = mk.Warn, st.Warn
			default:
				mark, style = mk.OK, st.OK
			}
		}
		title := sc.step.Title
		if i == current {
			title = st.Subtitle.Render(title)
		}
		out = append(out, " "+style.Render(mark)+" "+title)
	}
	mark, style := mk.Todo, st.Todo
	if current == len(m.stepsSc) {
		mark, style = mk.Current, st.Current
	}
	out = append(out, " "+style.Render(mark)+" Review")
	return out
}

// besideList joins the step list and a body column side by side.
func (m *Model) besideList(current int, body []string, h int) string {
	side := m.stepListView(current)
	var b strings.Builder
	for i := 0; i < h; i++ {
		l := ""
		if i < len(side) {
			l = side[i]
		}
		l += strings.Repeat(" ", max(sideWidth-lipgloss.Width(l), 1))
		if i < len(body) {
			l += body[i]
		}
		b.WriteString(l)
		if i < h-1 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// stepView is one step's form with each field's findings under it, then
// the step's other findings, the MinIO picture, and the check status.
func (m *Model) stepView(h int) string {
	sc := m.cur()
	st := m.st
	w := m.width - sideWidth - 1
	fp := m.fp()
	fs := sc.findings(fp)
	used := map[int]bool{}
	var lines []string
	focusLine := 0
	lines = append(lines, st.Title.Render(sc.step.Title), "")
	labelW := 0
	vis := sc.visible(m.a)
	for _, f := range vis {
		labelW = max(labelW, lipgloss.Width(f.def.label))
	}
	// Findings sit under the value when there is room for a readable
	// column, else under the label.
	findIndent := labelW + 4
	if w-findIndent < 56 {
		findIndent = 4
	}
	for i, f := range vis {
		focused := i == sc.focus
		if focused {
			focusLine = len(lines)
		}
		lines = append(lines, m.fieldLine(f, focused, labelW, w))
		if f.def.kind == kindSecret && f.mode() == secretTyped {
			lines = append(lines, strings.Repeat(" ", labelW+4)+st.Dim.Render("kept in memory only; the answers say env:"+envName(f)))
		}
		if focused && f.def.kind == kindPick {
			lines = append(lines, m.optionLines(f, labelW+4, w)...)
		}
		for j, fd := range fs {
			if used[j] || !(fd.Key == f.def.key || strings.HasPrefix(fd.Key, f.def.key+".")) {
				continue
			}
			used[j] = true
			if fd.Level == steps.OK && (f.def.kind == kindSecret || fd.Key == "minio.zones") {
				continue // the control says it already, or the layout below draws it
			}
			lines = append(lines, m.findingLines(fd, findIndent, w)...)
		}
		if f.def.key == "minio.spreadAcrossZones" {
			// The picture sits right under the numbers it is drawn from.
			lines = append(lines, "")
			lines = append(lines, m.minioLayout(sc, w)...)
			lines = append(lines, "")
		}
	}
	// Findings about keys without a field here: problems only, the ok
	// ones would be noise.
	var rest []steps.Finding
	for j, fd := range fs {
		if !used[j] && fd.Level != steps.OK {
			rest = append(rest, fd)
		}
	}
	if len(rest) > 0 {
		lines = append(lines, "")
		for _, fd := range rest {
			lines = append(lines, m.findingLines(fd, 2, w)...)
		}
	}
	lines = append(lines, "")
	switch {
	case sc.liveRunning:
		lines = append(lines, m.spin.View()+" checking against the live systems"+ellipsis(st))
	case sc.step.Check != nil && sc.liveFP == fp:
		lines = append(lines, st.Dim.Render("live checks done · ctrl+r runs them again"))
	}
	if sc.notice != "" {
		lines = append(lines, st.Warn.Render(sc.notice))
	}
	// Keep the focused field in view when the form is taller than the screen.
	// Say so when lines are cut off, or an admin at 80x24 never learns
	// that the MinIO layout or a finding sits below the fold.
	if len(lines) > h {
		start := min(max(focusLine-h/3, 0), len(lines)-h)
		more := len(lines) - (start + h)
		lines = append([]string(nil), lines[start:start+h]...)
		if start > 0 && focusLine != start {
			lines[0] = st.Dim.Render(fmt.Sprintf("%s %d more above (shift+tab)", m.moreMark(true), start+1))
		}
		if more > 0 && focusLine != start+h-1 {
			lines[h-1] = st.Dim.Render(fmt.Sprintf("%s %d more below (tab)", m.moreMark(false), more+1))
		}
	}
	return m.besideList(m.stepIdx, lines, h)
}

// moreMark is the arrow of a "more above/below" line, ASCII without UTF-8.
func (m *Model) moreMark(up bool) string {
	switch {
	case m.st.Caps.Unicode && up:
		return "↑"
	case m.st.Caps.Unicode:
		return "↓"
	case up:
		return "^"
	}
	return "v"
}

func ellipsis(st *Styles) string {
	if st.Caps.Unicode {
		return "…"
	}
	return "..."
}

// fieldLine draws "Label  value" with the value's kind of control.
func (m *Model) fieldLine(f *field, focused bool, labelW, w int) string {
	st, mk := m.st, m.st.Marks
	label := f.def.label + strings.Repeat(" ", labelW-lipgloss.Width(f.def.label))
	pointer := "  "
	if focused {
		label = st.Focused.Render(label)
		pointer = st.Focused.Render(mk.Arrow) + " "
	}
	var val string
	switch f.def.kind {
	case kindEnum, kindBool:
		var parts []string
		cur := f.def.get(m.a)
		for _, c := range f.def.choices {
			if c == cur {
				if st.Caps.Color {
					parts = append(parts, st.Selected.Render(c))
				} else {
					parts = append(parts, "["+c+"]")
				}
			} else {
				parts = append(parts, st.Dim.Render(c))
			}
		}
		val = strings.Join(parts, "  ")
		if focused {
			val = st.Dim.Render(mk.LeftSel) + " " + val + " " + st.Dim.Render(mk.RightSel)
		}
	case kindSecret:
		mode := f.mode()
		val = st.Selected.Render(mode)
		if focused {
			val = st.Dim.Render(mk.LeftSel) + " " + val + " " + st.Dim.Render(mk.RightSel)
		}
		switch mode {
		case secretGenerated:
			val += st.Dim.Render("  a strong value, kept in a Kubernetes Secret")
		case secretNone:
			val += st.Dim.Render("  no password")
		case secretTyped:
			val += "  " + f.input.View()
		default:
			val += " " + f.input.View()
		}
	default:
		v := f.input.View()
		if f.input.Value() == "" && !focused {
			v = st.Dim.Render("(empty)")
			if f.def.placeholder != "" {
				v = st.Dim.Render("(" + f.def.placeholder + ")")
			}
		}
		val = v
		if f.def.kind == kindPick && len(f.options) > 0 && !focused {
			val += st.Dim.Render(fmt.Sprintf("  (%d listed)", len(f.options)))
		}
	}
	return m.trunc(pointer+label+"  "+val, w)
}

func envName(f *field) string { return answers.EnvNameFor(f.def.key) }

// optionLines lists a focused pick field's choices from the cluster.
func (m *Model) optionLines(f *field, indent, w int) []string {
	st := m.st
	pad := strings.Repeat(" ", indent)
	if f.filtering {
		return append([]string{pad + f.filter.View()}, m.optionRows(f, pad, w)...)
	}
	if len(f.options) == 0 {
		if err := m.optErr[f.def.pick]; err != nil {
			return []string{pad + st.Dim.Render("nothing listed ("+firstLine(err.Error())+"); type the name")}
		}
		return nil
	}
	return m.optionRows(f, pad, w)
}

func (m *Model) optionRows(f *field, pad string, w int) []string {
	st := m.st
	opts := f.visibleOptions()
	const maxRows = 5
	start := 0
	if f.optIdx >= maxRows {
		start = f.optIdx - maxRows + 1
	}
	var out []string
	for i := start; i < len(opts) && i < start+maxRows; i++ {
		o := opts[i]
		mark := "  "
		name := o.value
		if i == f.optIdx {
			mark = st.Selected.Render(st.Marks.Arrow) + " "
			name = st.Selected.Render(name)
		}
		out = append(out, m.trunc(pad+mark+name+st.Dim.Render("  "+o.desc), w))
	}
	hint := "↑/↓ choose · / filter · or type a name"
	if !st.Caps.Unicode {
		hint = "up/down choose - / filter - or type a name"
	}
	if len(opts) > maxRows {
		hint = fmt.Sprintf("%d of %d shown · %s", min(maxRows, len(opts)), len(opts), hint)
	}
	return append(out, pad+st.Dim.Render(hint))
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// findingLines draws a finding: mark and what was seen, the fix beneath.
func (m *Model) findingLines(fd steps.Finding, indent, w int) []string {
	st, mk := m.st, m.st.Marks
	pad := strings.Repeat(" ", indent)
	mark, style := mk.OK, st.OK
	switch fd.Level {
	case steps.Warn:
		mark, style = mk.Warn, st.Warn
	case steps.Fail:
		mark, style = mk.Fail, st.Fail
	}
	var out []string
	for i, l := range wrap(fd.Seen, w-indent-2, "  ") {
		if i == 0 {
			out = append(out, pad+style.Render(mark)+" "+l)
		} else {
			out = append(out, pad+l)
		}
	}
	if fd.Hint != "" {
		for _, l := range wrap(fd.Hint, w-indent-2, "") {
			out = append(out, pad+"  "+st.Hint.Render(l))
		}
	}
	return out
}
