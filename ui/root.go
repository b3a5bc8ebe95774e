// Package ui is harbor-installer's interactive face: a bubbletea program
// whose root model routes between small screens (welcome, one form per
// step, review, install progress, done). It only collects answers and shows
// results: checks come from steps, the plan from render, the run from the
// install engine. Every cluster call and check is a tea.Cmd with a context,
// so typing never waits on the network.
package ui

import (
	"context"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/install"
	"github.com/harbor-installer/harbor-installer/kube"
	"github.com/harbor-installer/harbor-installer/render"
	"github.com/harbor-installer/harbor-installer/steps"
)

// Minimum terminal size; below it the wizard says how big it must be.
const minWidth, minHeight = 80, 24

type screen int

const (
	screenWelcome screen = iota
	screenStep
	screenReview
	screenPager
	screenInstall
	screenDone
)

// Options start the wizard.
type Options struct {
	// Preset and AnswersFile preselect the welcome screen's choice.
	Preset, AnswersFile string
	// SavePath is where answers are saved before install.
	SavePath string
	// Simulated labels the cluster as the local simulated one (set by
	// harbor-installer-demo through HARBOR_INSTALLER_SIMULATED=1).
	Simulated bool
	// DemoCommand, when not empty, is offered on the welcome screen when no
	// cluster answers: the command that starts the simulated cluster.
	DemoCommand string
	// Program is the name the replay command uses.
	Program string
}

// Model is the root model. Screens are small structs it routes to; shared
// state (answers, styles, keys, cluster info) lives here once.
type Model struct {
	opts   Options
	deps   Deps
	st     *Styles
	keys   keyMap
	help   help.Model
	spin   spinner.Model
	width  int
	height int
	now    func() time.Time
	// debounce is the pause after typing before live checks run.
	debounce time.Duration

	screen      screen
	a           *answers.Answers
	secretEdits int

	cluster    ClusterInfo
	clusterSeq int
	probing    bool

	welcome welcomeScreen
	stepIdx int
	stepsSc []*stepScreen
	options map[pickSource][]option
	optErr  map[pickSource]error
	zones   []kube.ZoneInfo

	review   reviewScreen
	pager    viewport.Model
	inst     installScreen
	done     doneScreen
	quitting bool
	// Result is what the wizard ended with, for the caller to print.
	result Result
}

// Result is what the wizard leaves behind when it exits.
type Result struct {
	// Summary is the install's summary (nil when nothing ran).
	Summary *install.Summary
	// Err is the install's error.
	Err error
	// SavedPath is where answers were saved ("" when not saved).
	SavedPath string
	// Replay is the command that installs the same answers again.
	Replay string
	// StartDemo asks the caller to start the simulated cluster.
	StartDemo bool
	// Interrupted is true when the admin quit or abandoned the install.
	Interrupted bool
	// Verified are the findings of the proof after a finished install
	// (empty when it did not run); Verifying is true when the admin left
	// before it ended.
	Verified  []steps.Finding
	Verifying bool
}

// New builds the root model.
func New(opts Options, deps Deps, st *Styles) *Model {
	if opts.SavePath == "" {
		opts.SavePath = "harbor-answers.yaml"
	}
	if opts.Program == "" {
		opts.Program = "harbor-installer"
	}
	m := &Model{opts: opts, deps: deps, st: st, keys: newKeyMap(st.Marks), help: help.New(), now: time.Now, debounce: debounce,
		width: 100, height: 30, options: map[pickSource][]option{}, optErr: map[pickSource]error{}}
	m.help.ShortSeparator = " · "
	m.help.Styles.ShortKey = st.Key
	m.help.Styles.ShortDesc = st.Help
	m.help.Styles.ShortSeparator = st.Help
	m.help.Styles.FullKey = st.Key
	m.help.Styles.FullDesc = st.Help
	m.help.Styles.FullSeparator = st.Help
	m.help.Styles.Ellipsis = st.Help
	m.spin = spinner.New()
	if st.Caps.Unicode {
		m.spin.Spinner = spinner.MiniDot
	} else {
		m.spin.Spinner = spinner.Line
	}
	m.spin.Style = st.Current
	m.welcome = newWelcome(opts, st)
	m.pager = viewport.New(80, 20)
	return m
}

// Result returns how the wizard ended.
func (m *Model) Result() Result { return m.result }

// Init probes the cluster the default kubeconfig names.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(m.probe("", ""), m.spin.Tick)
}

// probe asks who the cluster is, in the background.
func (m *Model) probe(kubeconfig, kctx string) tea.Cmd {
	m.clusterSeq++
	m.probing = true
	seq := m.clusterSeq
	c := m.deps.Cluster
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return clusterInfoMsg{seq: seq, info: c.Probe(ctx, kubeconfig, kctx)}
	}
}

// Update routes messages: global ones here, the rest to the current screen.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.Width = msg.Width - 2
		m.resizePager()
		return m, nil
	case spinner.TickMsg:
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case clusterInfoMsg:
		if msg.seq != m.clusterSeq {
			return m, nil // a newer probe is on its way
		}
		m.probing = false
		m.cluster = msg.info
		if m.a != nil && msg.info.Err == nil {
			return m, m.loadOptions()
		}
		return m, nil
	case optionsMsg:
		m.options[msg.src], m.optErr[msg.src] = msg.opts, msg.err
		for _, sc := range m.stepsSc {
			for _, f := range sc.fields {
				if f.def.pick == msg.src {
					f.options = msg.opts
					f.syncOptionIndex()
				}
			}
		}
		return m, nil
	case zonesMsg:
		if msg.err == nil {
			m.zones = msg.zones
		}
		return m, nil
	case loadedMsg:
		return m.onLoaded(msg)
	case diffMsg:
		if m.review.diffs != nil {
			m.review.diffs[msg.release] = msg.diff
		}
		return m, nil
	case liveTickMsg:
		return m, m.onLiveTick(msg)
	case liveResultMsg:
		return m, m.onLiveResult(msg)
	case installEventMsg, installDoneMsg, secondTickMsg:
		return m.updateInstall(msg)
	case verifyFindingMsg, verifyDoneMsg:
		return m.updateVerify(msg)
	case tea.KeyMsg:
		if key.Matches(msg, m.keys.Help) && !m.typing() {
			m.help.ShowAll = !m.help.ShowAll
			return m, nil
		}
		if msg.String() == "ctrl+c" && m.screen != screenInstall {
			m.done.stopVerify()
			m.result.Interrupted = m.screen != screenDone
			m.quitting = true
			return m, tea.Quit
		}
		switch m.screen {
		case screenWelcome:
			return m.updateWelcome(msg)
		case screenStep:
			return m.updateStep(msg)
		case screenReview:
			return m.updateReview(msg)
		case screenPager:
			return m.updatePager(msg)
		case screenInstall:
			return m.updateInstall(msg)
		case screenDone:
			return m.updateDone(msg)
		}
	}
	return m, nil
}

// typing reports whether printable keys go into a text field now.
func (m *Model) typing() bool {
	switch m.screen {
	case screenWelcome:
		return m.welcome.typing()
	case screenStep:
		f := m.cur().focused(m.a)
		return f != nil && f.editable()
	}
	return false
}

func (m *Model) cur() *stepScreen { return m.stepsSc[m.stepIdx] }

// fp is the fingerprint of the current answers.
func (m *Model) fp() string { return fingerprint(m.a, m.secretEdits) }

// onLoaded starts the steps from loaded answers.
func (m *Model) onLoaded(msg loadedMsg) (tea.Model, tea.Cmd) {
	if msg.err != nil {
		m.welcome.err = msg.err
		return m, nil
	}
	m.a = msg.a
	defs := stepFields()
	m.stepsSc = nil
	for _, s := range steps.All() {
		m.stepsSc = append(m.stepsSc, newStepScreen(s, defs[s.Name], m.a, m.st.Caps.Unicode))
	}
	m.screen, m.stepIdx = screenStep, 0
	cmds := []tea.Cmd{m.enterStep()}
	if m.a.Cluster.Kubeconfig != "" || m.a.Cluster.Context != "" {
		cmds = append(cmds, m.probe(m.a.Cluster.Kubeconfig, m.a.Cluster.Context))
	} else if m.cluster.Err == nil {
		cmds = append(cmds, m.loadOptions())
	}
	return m, tea.Batch(cmds...)
}

// loadOptions lists the cluster's choices for the pick fields.
func (m *Model) loadOptions() tea.Cmd {
	c, a := m.deps.Cluster, *m.a
	list := func(src pickSource, f func(ctx context.Context) ([]option, error)) tea.Cmd {
		return func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			opts, err := f(ctx)
			return optionsMsg{src: src, opts: opts, err: err}
		}
	}
	return tea.Batch(
		list(pickContexts, func(context.Context) ([]option, error) {
			cs, err := c.Contexts(a.Cluster.Kubeconfig)
			return contextOptions(cs), err
		}),
		list(pickStorageClasses, func(ctx context.Context) ([]option, error) {
			l, err := c.StorageClasses(ctx, &a)
			return storageClassOptions(l), err
		}),
		list(pickTLSSecrets, func(ctx context.Context) ([]option, error) {
			l, err := c.TLSSecrets(ctx, &a)
			return tlsSecretOptions(l, m.now()), err
		}),
		list(pickIngressClasses, func(ctx context.Context) ([]option, error) {
			l, err := c.IngressClasses(ctx, &a)
			return ingressClassOptions(l), err
		}),
		func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			z, err := c.NodeZones(ctx, &a)
			return zonesMsg{zones: z, err: err}
		},
	)
}

func (m *Model) resizePager() {
	m.pager.Width = max(m.width-4, 20)
	m.pager.Height = max(m.height-6, 5)
}

// render builds the plan for Review and install.
func (m *Model) plan() (*render.Plan, error) { return render.Build(m.a) }
