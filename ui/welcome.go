package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/presets"
)

// welcomeScreen picks where the answers start: a preset, a file, or blank.
type welcomeScreen struct {
	choices []welcomeChoice
	sel     int
	path    textinput.Model
	err     error
}

type welcomeChoice struct {
	kind, name, summary string // kind: preset, file, blank
}

func newWelcome(opts Options, st *Styles) welcomeScreen {
	w := welcomeScreen{path: textinput.New()}
	w.path.Prompt = ""
	w.path.Cursor.SetMode(cursor.CursorStatic)
	w.path.Placeholder = "path/to/answers.yaml"
	for _, p := range presets.List() {
		w.choices = append(w.choices, welcomeChoice{"preset", p.Name, p.Summary})
	}
	w.choices = append(w.choices,
		welcomeChoice{"file", "answers file", "load answers saved by an earlier run"},
		welcomeChoice{"blank", "blank", "start from the defaults and answer every step"})
	for i, c := range w.choices {
		if (opts.Preset != "" && c.kind == "preset" && c.name == opts.Preset) || (opts.AnswersFile != "" && c.kind == "file") {
			w.sel = i
		}
	}
	if opts.AnswersFile != "" {
		w.path.SetValue(opts.AnswersFile)
		w.path.CursorEnd()
	}
	if w.typing() {
		w.path.Focus()
	}
	return w
}

func (w *welcomeScreen) typing() bool { return w.choices[w.sel].kind == "file" }

func (m *Model) updateWelcome(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	w := &m.welcome
	switch msg.String() {
	case "up", "shift+tab":
		w.sel = (w.sel + len(w.choices) - 1) % len(w.choices)
	case "down", "tab":
		w.sel = (w.sel + 1) % len(w.choices)
	case "enter":
		if m.stepsSc != nil && m.a != nil && m.welcome.err == nil && m.welcomeUnchanged() {
			// Back from the first step: keep every answer.
			m.screen = screenStep
			return m, m.enterStep()
		}
		return m, m.loadChoice()
	case "s":
		if m.cluster.Err != nil && m.opts.DemoCommand != "" && !w.typing() {
			m.result.StartDemo = true
			m.quitting = true
			return m, tea.Quit
		}
	default:
		if w.typing() {
			var cmd tea.Cmd
			w.path, cmd = w.path.Update(msg)
			return m, cmd
		}
	}
	w.err = nil
	if w.typing() {
		return m, w.path.Focus()
	}
	w.path.Blur()
	return m, nil
}

// welcomeUnchanged says the highlighted choice is the one the current
// answers came from, so enter resumes instead of reloading.
func (m *Model) welcomeUnchanged() bool {
	c := m.welcome.choices[m.welcome.sel]
	return c.kind == "preset" && c.name == m.a.Preset || c.kind == "blank" && m.a.Preset == "" && m.welcome.path.Value() == ""
}

// loadChoice loads the chosen answers (a file read, so in a command).
func (m *Model) loadChoice() tea.Cmd {
	c := m.welcome.choices[m.welcome.sel]
	opts := answers.Options{}
	switch c.kind {
	case "preset":
		opts.Preset = c.name
	case "file":
		// --preset with --answers: the file's answers over the preset.
		opts.Preset = m.opts.Preset
		opts.File = strings.TrimSpace(m.welcome.path.Value())
		if opts.File == "" {
			m.welcome.err = fmt.Errorf("give the path of an answers file")
			return nil
		}
	}
	return func() tea.Msg {
		l, err := answers.Load(opts)
		if err != nil {
			return loadedMsg{err: err}
		}
		return loadedMsg{a: &l.Answers}
	}
}

func (m *Model) welcomeView(h int) string {
	st, mk := m.st, m.st.Marks
	w := &m.welcome
	var lines []string
	lines = append(lines, "", "  "+st.Title.Render("Install a highly available Harbor registry on Kubernetes"), "")
	// The cluster first: the one fact that prevents disasters.
	c := m.cluster
	switch {
	case m.probing && c.Server == "" && c.Err == nil:
		lines = append(lines, "  "+m.spin.View()+" reaching the cluster from the kubeconfig"+ellipsis(st))
	case c.Err != nil:
		lines = append(lines, "  "+st.Fail.Render(mk.Fail+" No cluster answered"))
		for _, l := range wrap(firstLine(c.Err.Error()), m.width-8, "") {
			lines = append(lines, "    "+l)
		}
		if m.opts.DemoCommand != "" {
			lines = append(lines, "    "+st.Key.Render("s")+" starts the local "+st.Simulated.Render("SIMULATED")+" cluster (kwok nodes, test charts; nothing real is installed)")
		} else {
			lines = append(lines, "    "+st.Hint.Render("no cluster at hand? in a source checkout `make demo` starts a local SIMULATED one"))
		}
	default:
		line := fmt.Sprintf("  %s context %s %s %s", st.OK.Render(mk.OK), st.Header.Render(c.Context), mk.Bullet, c.Server)
		if c.Version != "" {
			line += " " + mk.Bullet + " Kubernetes " + c.Version
		}
		if m.opts.Simulated {
			line += "  " + st.Simulated.Render("SIMULATED")
		}
		lines = append(lines, line)
	}
	lines = append(lines, "", "  "+st.Subtitle.Render("Start from"))
	for i, ch := range w.choices {
		mark, name := "  ", ch.name
		if i == w.sel {
			mark = st.Selected.Render(mk.Arrow) + " "
			name = st.Selected.Render(name)
		}
		label := name
		if ch.kind == "preset" {
			label = "preset " + name
		}
		row := "  " + mark + label
		pad := max(26-len("preset "+ch.name), 2)
		if ch.kind != "preset" {
			pad = max(26-len(ch.name), 2)
		}
		desc := ch.summary
		lines = append(lines, m.trunc(row+strings.Repeat(" ", pad)+st.Dim.Render(desc), m.width-1))
		if ch.kind == "file" && i == w.sel {
			lines = append(lines, "      path "+w.path.View())
		}
	}
	if w.err != nil {
		lines = append(lines, "")
		for _, l := range strings.Split(w.err.Error(), "\n") {
			lines = append(lines, "  "+st.Fail.Render(l))
		}
	}
	return strings.Join(lines, "\n")
}
