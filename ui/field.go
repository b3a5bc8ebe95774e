package ui

import (
	"os"
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/harbor-installer/harbor-installer/answers"
)

// Secret modes: how a secret answer is provided. A typed value lives only in
// this process's memory and environment; the answers keep an env: reference.
const (
	secretGenerated = "generated"
	secretNone      = "none"
	secretEnv       = "env:"
	secretFile      = "file:"
	secretTyped     = "type it"
)

// field is one question on screen: its definition, the text input, and for
// picks the choices read from the cluster.
type field struct {
	def   fieldDef
	input textinput.Model
	// secret fields: the chosen mode and what was typed for each mode.
	secretModes []string
	secretMode  int
	secretText  map[string]string
	// pick fields: listed options, the highlighted one, and the filter.
	options   []option
	optIdx    int
	filtering bool
	filter    textinput.Model
}

func newField(def fieldDef, a *answers.Answers, unicode bool) *field {
	f := &field{def: def, input: textinput.New(), filter: textinput.New(), optIdx: -1}
	f.input.Prompt = ""
	f.filter.Prompt = "/"
	// A steady cursor: a blinking one redraws twice a second, which over a
	// slow SSH link is noise, and it makes screens differ frame to frame.
	f.input.Cursor.SetMode(cursor.CursorStatic)
	f.filter.Cursor.SetMode(cursor.CursorStatic)
	f.input.CharLimit = 512
	if !unicode {
		f.input.EchoCharacter = '*'
	} else {
		f.input.EchoCharacter = '•'
	}
	switch def.kind {
	case kindSecret:
		f.secretText = map[string]string{}
		switch def.policy {
		case "generate":
			f.secretModes = []string{secretGenerated, secretEnv, secretFile, secretTyped}
		case "optional":
			f.secretModes = []string{secretNone, secretEnv, secretFile, secretTyped}
		default:
			f.secretModes = []string{secretEnv, secretFile, secretTyped}
		}
		ref := *def.secret(a)
		mode := f.secretModes[0]
		switch ref.Kind() {
		case answers.SecretEnv:
			mode = secretEnv
			f.secretText[secretEnv] = ref.Target()
		case answers.SecretFile:
			mode = secretFile
			f.secretText[secretFile] = ref.Target()
		}
		if f.secretText[secretEnv] == "" {
			f.secretText[secretEnv] = answers.EnvNameFor(def.key)
		}
		f.setSecretMode(indexOf(f.secretModes, mode))
	default:
		f.input.SetValue(def.get(a))
		f.input.Placeholder = def.placeholder
	}
	return f
}

func indexOf(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return 0
}

// editable says whether keys type into the field (printable letters are
// text there, so single-letter shortcuts are off).
func (f *field) editable() bool {
	switch f.def.kind {
	case kindText, kindNumber, kindPick:
		return true
	case kindSecret:
		return f.mode() != secretGenerated && f.mode() != secretNone
	}
	return false
}

func (f *field) mode() string {
	if f.def.kind != kindSecret {
		return ""
	}
	return f.secretModes[f.secretMode]
}

func (f *field) setSecretMode(i int) {
	n := len(f.secretModes)
	f.secretMode = (i%n + n) % n
	m := f.mode()
	f.input.EchoMode = textinput.EchoNormal
	if m == secretTyped {
		f.input.EchoMode = textinput.EchoPassword
	}
	f.input.SetValue(f.secretText[m])
	f.input.CursorEnd()
}

// focus and blur move the cursor in and out.
func (f *field) focus() tea.Cmd { return f.input.Focus() }
func (f *field) blur()          { f.input.Blur(); f.filtering = false; f.filter.Blur() }

// apply writes the field's current value into the answers.
func (f *field) apply(a *answers.Answers) {
	switch f.def.kind {
	case kindSecret:
		m := f.mode()
		f.secretText[m] = f.input.Value()
		v := strings.TrimSpace(f.input.Value())
		switch m {
		case secretGenerated, secretNone:
			f.def.set(a, "")
		case secretEnv:
			f.def.set(a, "env:"+v)
		case secretFile:
			f.def.set(a, "file:"+v)
		case secretTyped:
			// Kept in memory only: the process environment carries it to
			// the engine, the answers say where it is.
			name := answers.EnvNameFor(f.def.key)
			if f.input.Value() == "" {
				os.Unsetenv(name)
			} else {
				os.Setenv(name, f.input.Value())
			}
			f.def.set(a, "env:"+name)
		}
	case kindEnum, kindBool:
		// set by cycle
	default:
		f.def.set(a, f.input.Value())
	}
}

// cycle moves an enum, bool or secret mode by d.
func (f *field) cycle(a *answers.Answers, d int) {
	switch f.def.kind {
	case kindEnum, kindBool:
		cur := indexOf(f.def.choices, f.def.get(a))
		n := len(f.def.choices)
		f.def.set(a, f.def.choices[((cur+d)%n+n)%n])
	case kindSecret:
		f.secretText[f.mode()] = f.input.Value()
		f.setSecretMode(f.secretMode + d)
		f.apply(a)
	}
}

// visibleOptions are the pick options passing the filter.
func (f *field) visibleOptions() []option {
	q := strings.ToLower(f.filter.Value())
	if q == "" {
		return f.options
	}
	var out []option
	for _, o := range f.options {
		if strings.Contains(strings.ToLower(o.value+" "+o.desc), q) {
			out = append(out, o)
		}
	}
	return out
}

// moveOption highlights the next or previous option and takes its value.
func (f *field) moveOption(a *answers.Answers, d int) bool {
	opts := f.visibleOptions()
	if len(opts) == 0 {
		return false
	}
	f.optIdx += d
	if f.optIdx < 0 {
		f.optIdx = len(opts) - 1
	}
	if f.optIdx >= len(opts) {
		f.optIdx = 0
	}
	f.input.SetValue(opts[f.optIdx].value)
	f.input.CursorEnd()
	f.apply(a)
	return true
}

// syncOptionIndex points the highlight at the option equal to the value.
func (f *field) syncOptionIndex() {
	f.optIdx = -1
	for i, o := range f.visibleOptions() {
		if o.value == f.input.Value() {
			f.optIdx = i
		}
	}
}
