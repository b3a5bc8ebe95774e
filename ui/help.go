package ui

import "github.com/charmbracelet/bubbles/key"

// shortKeys are the keys the help line teaches on the current screen.
func (m *Model) shortKeys() []key.Binding {
	k, ud, lr := m.keys, m.st.Marks.UpDown, m.st.Marks.LeftRight
	b := func(keys, help string) key.Binding {
		return key.NewBinding(key.WithKeys(keys), key.WithHelp(keys, help))
	}
	switch m.screen {
	case screenWelcome:
		out := []key.Binding{b(ud, "choose"), b("enter", "start"), k.Quit}
		if m.cluster.Err != nil && m.opts.DemoCommand != "" {
			out = append(out, b("s", "simulated cluster"))
		}
		return out
	case screenStep:
		out := []key.Binding{k.Next, k.Continue, k.Back}
		if f := m.cur().focused(m.a); f != nil {
			switch f.def.kind {
			case kindEnum, kindBool:
				out = append(out, k.Choice)
			case kindSecret:
				out = append(out, b(lr, "how it is given"))
			case kindPick:
				if len(f.options) > 0 {
					out = append(out, b(ud, "choose"), k.Filter)
				}
			}
		}
		if steps := m.cur().findings(m.fp()); hasWarn(steps) {
			out = append(out, k.Accept)
		}
		return append(out, k.Help, k.Quit)
	case screenReview:
		return []key.Binding{k.Install, k.Save, k.Values, b("tab", "next release"), b(ud, "scroll"), k.Back, k.Quit}
	case screenPager:
		return []key.Binding{b(ud, "scroll"), k.PageDown, b("esc", "back to review")}
	case screenInstall:
		return []key.Binding{b("ctrl+c", "stop (asks first)")}
	case screenDone:
		return []key.Binding{b("enter", "exit")}
	}
	return nil
}
