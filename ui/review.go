package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/render"
)

// reviewScreen shows every answer by step, the plan, and saves.
type reviewScreen struct {
	plan    *render.Plan
	err     error
	sel     int // selected release
	scroll  int
	saved   string
	saveErr error
	diffs   map[string]string
	exports []string
}

type diffMsg struct {
	release, diff string
}

func (m *Model) openReview() tea.Cmd {
	m.screen = screenReview
	p, err := m.plan()
	m.review = reviewScreen{plan: p, err: err, diffs: map[string]string{}}
	m.review.exports = m.typedSecretEnv()
	if err != nil || m.deps.Differ == nil {
		return nil
	}
	var cmds []tea.Cmd
	a := *m.a
	for _, r := range p.Releases {
		r := r
		d := m.deps.Differ
		cmds = append(cmds, func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			diff, found, err := d.Diff(ctx, &a, r)
			switch {
			case err != nil:
				return diffMsg{r.Name, "diff unavailable: " + firstLine(err.Error())}
			case !found:
				return diffMsg{r.Name, "new release"}
			case diff == "":
				return diffMsg{r.Name, "deployed with the same values"}
			}
			return diffMsg{r.Name, diff}
		})
	}
	return tea.Batch(cmds...)
}

// typedSecretEnv lists the variables holding secrets typed in the wizard:
// a replay needs them exported.
func (m *Model) typedSecretEnv() []string {
	var out []string
	for _, sc := range m.stepsSc {
		for _, f := range sc.fields {
			if f.def.kind == kindSecret && f.mode() == secretTyped && f.def.applies(m.a) {
				out = append(out, answers.EnvNameFor(f.def.key))
			}
		}
	}
	return out
}

// replayCommand installs the saved answers again without questions.
func (m *Model) replayCommand(path string) string {
	return m.opts.Program + " install --answers " + path + " --yes"
}

// save writes the answers (references only) with mode 0600.
func (m *Model) save() error {
	path := m.opts.SavePath
	if _, err := answers.Save(path, m.a); err != nil {
		return err
	}
	m.review.saved = path
	m.result.SavedPath = path
	m.result.Replay = m.replayCommand(path)
	return nil
}

func (m *Model) updateReview(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	r := &m.review
	switch msg.String() {
	case "esc":
		m.screen = screenStep
		m.stepIdx = len(m.stepsSc) - 1
		return m, m.enterStep()
	case "tab", "right":
		if r.plan != nil && len(r.plan.Releases) > 0 {
			r.sel = (r.sel + 1) % len(r.plan.Releases)
		}
	case "shift+tab", "left":
		if r.plan != nil && len(r.plan.Releases) > 0 {
			r.sel = (r.sel + len(r.plan.Releases) - 1) % len(r.plan.Releases)
		}
	case "down", "j":
		r.scroll++
	case "up", "k":
		r.scroll = max(r.scroll-1, 0)
	case "pgdown", " ":
		r.scroll += m.height / 2
	case "pgup":
		r.scroll = max(r.scroll-m.height/2, 0)
	case "v":
		if r.plan != nil && len(r.plan.Releases) > 0 {
			rel := r.plan.Releases[r.sel]
			b, err := rel.ValuesYAML()
			content := string(b)
			if err != nil {
				content = err.Error()
			}
			if d, ok := r.diffs[rel.Name]; ok {
				content += "\n# diff against the deployed release\n" + d
			}
			m.pager.SetContent(content)
			m.pager.GotoTop()
			m.resizePager()
			m.screen = screenPager
		}
	case "s", "enter":
		// Enter only saves: an admin pressing enter through the steps
		// must not start changing the cluster by one press too many;
		// installing takes the explicit i.
		if r.err == nil {
			r.saveErr = m.save()
		}
	case "i":
		if r.err != nil {
			return m, nil
		}
		if r.saveErr = m.save(); r.saveErr != nil {
			return m, nil
		}
		return m, m.startInstall()
	case "q":
		if r.saved != "" {
			m.quitting = true
			return m, tea.Quit
		}
	}
	return m, nil
}

func (m *Model) updatePager(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch msg.String() {
	case "esc", "q", "v":
		m.screen = screenReview
		return m, nil
	}
	var cmd tea.Cmd
	m.pager, cmd = m.pager.Update(msg)
	return m, cmd
}

func (m *Model) pagerView(h int) string {
	r := m.review
	rel := r.plan.Releases[r.sel]
	m.pager.Height = h - 2
	m.pager.Width = m.width - 2
	title := fmt.Sprintf("  %s values of %s (%s %s) %s %d%%", m.st.Title.Render(""), rel.Name, rel.Chart.Name, rel.Chart.Version, m.st.Marks.Bullet, int(m.pager.ScrollPercent()*100))
	return strings.TrimLeft(title, " ") + "\n\n" + indentLines(m.pager.View(), "  ")
}

func indentLines(s, pad string) string {
	lines := strings.Split(s, "\n")
	for i := range lines {
		lines[i] = pad + lines[i]
	}
	return strings.Join(lines, "\n")
}

func (m *Model) reviewView(h int) string {
	st, mk := m.st, m.st.Marks
	r := m.review
	var lines []string
	lines = append(lines, st.Title.Render("Review"), "")
	if r.err != nil {
		lines = append(lines, st.Fail.Render(mk.Fail+" cannot plan the install"))
		lines = append(lines, wrap(r.err.Error(), m.width-sideWidth-4, "  ")...)
	}
	// The plan first: what will happen when i is pressed.
	if r.plan != nil {
		lines = append(lines, st.Subtitle.Render("Plan")+st.Dim.Render("  namespaces "+strings.Join(r.plan.Namespaces, ", ")))
		for i, rel := range r.plan.Releases {
			mark := "  "
			name := fmt.Sprintf("%-10s", rel.Name)
			if i == r.sel {
				mark = st.Selected.Render(mk.Arrow) + " "
				name = st.Selected.Render(name)
			}
			row := fmt.Sprintf("%s%d. %s %s %s %s ns %s", mark, i+1, name, rel.Chart.Name, rel.Chart.Version, mk.Bullet, rel.Namespace)
			if len(rel.Needs) > 0 {
				row += " " + mk.Bullet + " after " + strings.Join(rel.Needs, ", ")
			}
			if d, ok := r.diffs[rel.Name]; ok {
				row += st.Dim.Render("  " + firstLine(d))
			}
			lines = append(lines, row)
		}
		lines = append(lines, "")
	}
	colW := m.width - sideWidth - 3
	if m.width < 100 {
		colW = m.width - 3
	}
	switch {
	case r.saveErr != nil:
		lines = append(lines, wrap(st.Fail.Render(mk.Fail)+" "+r.saveErr.Error(), colW, "  ")...)
	case r.saved != "":
		lines = append(lines, wrap(st.OK.Render(mk.OK)+" saved "+r.saved+" (0600, secrets as references)", colW, "  ")...)
		lines = append(lines, wrap("  replay: "+m.replayCommand(r.saved), colW, "    ")...)
	default:
		lines = append(lines, wrap("answers are saved to "+m.opts.SavePath+" before anything changes", colW, "  ")...)
		lines = append(lines, wrap("  replay later: "+m.replayCommand(m.opts.SavePath), colW, "    ")...)
	}
	if len(r.exports) > 0 {
		lines = append(lines, st.Warn.Render(mk.Warn)+" typed secrets stay in memory; export "+strings.Join(r.exports, ", ")+" before a replay")
	}
	lines = append(lines, "")
	lines = append(lines, st.Subtitle.Render("Answers"))
	for _, sc := range m.stepsSc {
		var vals []string
		for _, f := range sc.visible(m.a) {
			v := f.def.get(m.a)
			if f.def.kind == kindSecret {
				v = secretShown(f, m.a)
			}
			if v == "" {
				v = "-"
			}
			vals = append(vals, f.def.label+" "+st.Value.Render(v))
		}
		head := st.Dim.Render(sc.step.Title) + strings.Repeat(" ", max(16-len(sc.step.Title), 1))
		for i, l := range wrap(strings.Join(vals, " "+mk.Bullet+" "), colW-16, "") {
			if i == 0 {
				lines = append(lines, head+l)
			} else {
				lines = append(lines, strings.Repeat(" ", 16)+l)
			}
		}
	}
	if r.scroll > 0 {
		r.scroll = min(r.scroll, max(len(lines)-h, 0))
		m.review.scroll = r.scroll
		lines = lines[r.scroll:]
	}
	if m.width < 100 {
		// Narrow: the plan and the answers need the width more than the
		// step list, which is all ✓ or ! by now.
		return strings.Join(indentLinesSlice(lines, " "), "\n")
	}
	return m.besideList(len(m.stepsSc), lines, h)
}

func indentLinesSlice(lines []string, pad string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = pad + l
	}
	return out
}

// secretShown is how Review shows a secret: how it is provided, never a value.
func secretShown(f *field, a *answers.Answers) string {
	switch f.mode() {
	case secretGenerated:
		return "generated"
	case secretNone:
		return "none"
	case secretTyped:
		return "typed (env:" + answers.EnvNameFor(f.def.key) + ")"
	}
	return f.def.secret(a).String()
}
