package ui

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

var update = flag.Bool("update", false, "rewrite the golden screens in testdata/")

var testNow = time.Date(2026, 12, 5, 7, 0, 0, 0, time.UTC)

// wiz drives the root model through Update, running the commands it
// returns the way bubbletea would (spinner and clock ticks aside, so
// screens are the same on every run).
type wiz struct {
	t    *testing.T
	m    *Model
	quit bool
	// late receives the messages of commands that outlived run's wait
	// (an install waiting for its next event).
	late chan tea.Msg
}

// testdata is the golden directory, absolute so tests may chdir.
var testdata, _ = filepath.Abs("testdata")

func newWiz(t *testing.T, opts Options, deps Deps, w, h int, caps Caps) *wiz {
	t.Helper()
	r := lipgloss.NewRenderer(os.Stdout)
	r.SetColorProfile(termenv.Ascii)
	st := NewStyles(r, caps)
	if opts.SavePath == "" {
		opts.SavePath = filepath.Join(t.TempDir(), "harbor-answers.yaml")
	}
	m := New(opts, deps, st)
	m.now = func() time.Time { return testNow }
	m.debounce = time.Millisecond
	z := &wiz{t: t, m: m, late: make(chan tea.Msg, 16)}
	z.run(m.Init())
	z.msg(tea.WindowSizeMsg{Width: w, Height: h})
	return z
}

func unicodeCaps() Caps { return Caps{Color: false, Unicode: true} }

func (z *wiz) msg(msg tea.Msg) {
	_, cmd := z.m.Update(msg)
	z.run(cmd)
}

// run executes cmd and feeds its messages back, breadth first. A command
// that does not return within a second (an install waiting for its next
// event) is dropped.
func (z *wiz) run(cmd tea.Cmd) {
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		done := make(chan tea.Msg, 1)
		go func() { done <- c() }()
		var msg tea.Msg
		select {
		case msg = <-done:
		case <-time.After(300 * time.Millisecond):
			go func() { z.late <- <-done }()
			continue
		}
		z.feed(msg, &queue)
	}
}

// settle feeds the late messages until none comes for a while.
func (z *wiz) settle() {
	for {
		select {
		case msg := <-z.late:
			var queue []tea.Cmd
			z.feed(msg, &queue)
			for _, c := range queue {
				z.run(c)
			}
		case <-time.After(500 * time.Millisecond):
			return
		}
	}
}

func (z *wiz) feed(msg tea.Msg, queue *[]tea.Cmd) {
	{
		switch msg := msg.(type) {
		case nil:
		case tea.BatchMsg:
			*queue = append(*queue, msg...)
		case spinner.TickMsg, secondTickMsg:
		case tea.QuitMsg:
			z.quit = true
		default:
			_, next := z.m.Update(msg)
			*queue = append(*queue, next)
		}
	}
}

func (z *wiz) key(names ...string) {
	for _, n := range names {
		z.msg(keyMsg(n))
	}
}

func (z *wiz) typeText(s string) {
	for _, r := range s {
		z.msg(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

func keyMsg(n string) tea.KeyMsg {
	types := map[string]tea.KeyType{
		"enter": tea.KeyEnter, "tab": tea.KeyTab, "shift+tab": tea.KeyShiftTab, "esc": tea.KeyEsc,
		"up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight,
		"ctrl+a": tea.KeyCtrlA, "ctrl+c": tea.KeyCtrlC, "ctrl+u": tea.KeyCtrlU, "ctrl+r": tea.KeyCtrlR,
		"backspace": tea.KeyBackspace, "space": tea.KeySpace,
	}
	if t, ok := types[n]; ok {
		return tea.KeyMsg{Type: t}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(n)}
}

// golden compares the current screen with testdata/name.golden.
func (z *wiz) golden(name string) {
	z.t.Helper()
	got := z.m.View()
	// Trailing spaces are invisible and churn diffs.
	lines := strings.Split(got, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	got = strings.Join(lines, "\n") + "\n"
	path := filepath.Join(testdata, name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			z.t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		z.t.Fatalf("%v (run go test ./ui -update to create it)", err)
	}
	if string(want) != got {
		z.t.Errorf("screen %s differs from %s (go test ./ui -update rewrites it):\n--- got\n%s\n--- want\n%s", name, path, got, want)
	}
}

func (z *wiz) screenHas(parts ...string) {
	z.t.Helper()
	v := z.m.View()
	for _, p := range parts {
		if !strings.Contains(v, p) {
			z.t.Errorf("screen lacks %q:\n%s", p, v)
		}
	}
}

func testDeps() (Deps, *fakeChecker) {
	c := &fakeChecker{}
	return Deps{Cluster: fakeCluster{}, Checker: c, Installer: &fakeInstaller{}}, c
}

func (z *wiz) stepName() string {
	if z.m.screen != screenStep {
		return fmt.Sprintf("screen %d", z.m.screen)
	}
	return z.m.cur().step.Name
}

func tea_resize(w, h int) tea.Msg { return tea.WindowSizeMsg{Width: w, Height: h} }

func newTestRenderer() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(os.Stdout)
	r.SetColorProfile(termenv.Ascii)
	return r
}
