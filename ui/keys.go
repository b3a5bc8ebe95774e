package ui

import "github.com/charmbracelet/bubbles/key"

// keyMap is the wizard's one keymap; the help line and full help come from it.
type keyMap struct {
	Next, Prev, Up, Down, Continue, Back, Accept, Recheck, Filter key.Binding
	Help, Quit, Values, Save, Install, PageUp, PageDown, Choice   key.Binding
	// shortKeys are the bindings the help line shows for the current screen.
	shortKeys []key.Binding
}

func newKeyMap(mk Marks) keyMap {
	b := func(help string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(keys[0], help))
	}
	k := keyMap{
		Next:     b("next", "tab"),
		Prev:     b("previous field", "shift+tab"),
		Up:       b("up", "up"),
		Down:     b("down", "down"),
		Choice:   b("change choice", "left", "right", " "),
		Continue: b("continue", "enter"),
		Back:     b("back", "esc"),
		Accept:   b("accept warnings", "ctrl+a"),
		Recheck:  b("re-run checks", "ctrl+r"),
		Filter:   b("filter choices", "/"),
		Help:     b("help", "?"),
		Quit:     b("quit", "ctrl+c"),
		Values:   b("view values", "v"),
		Save:     b("save only", "s", "enter"),
		Install:  b("save and install", "i"),
		PageUp:   b("page up", "pgup"),
		PageDown: b("page down", "pgdown"),
	}
	k.Choice.SetHelp(mk.LeftRight, "choose")
	k.Up.SetHelp(mk.UpDown, "move")
	return k
}

// ShortHelp is the help line: the keys of the current screen.
func (k keyMap) ShortHelp() []key.Binding { return k.shortKeys }

// FullHelp is behind ?: every key, in columns.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Next, k.Prev, k.Up, k.Choice},
		{k.Continue, k.Back, k.Accept, k.Recheck},
		{k.Filter, k.Values, k.Save, k.Install},
		{k.PageUp, k.PageDown, k.Help, k.Quit},
	}
}
