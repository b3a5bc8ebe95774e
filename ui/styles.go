package ui

import (
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Marks are the symbols screens draw, Unicode or ASCII.
type Marks struct {
	OK, Warn, Fail, Current, Todo, Rule, Bullet, Arrow, Dot, Block string
	BarFull, BarEmpty                                              rune
	LeftSel, RightSel                                              string
	// UpDown and LeftRight name the arrow keys in help texts. They are
	// chosen here, not folded to ASCII after layout: the ASCII names are
	// longer, and a line laid out for the arrows would overflow.
	UpDown, LeftRight string
}

func marksFor(unicode bool) Marks {
	if unicode {
		return Marks{OK: "✓", Warn: "!", Fail: "✗", Current: "●", Todo: "○", Rule: "─", Bullet: "·", Arrow: "›", Dot: "·", Block: "■",
			BarFull: '━', BarEmpty: '─', LeftSel: "‹", RightSel: "›", UpDown: "↑/↓", LeftRight: "←/→"}
	}
	return Marks{OK: "+", Warn: "!", Fail: "x", Current: ">", Todo: "-", Rule: "-", Bullet: "-", Arrow: ">", Dot: ".", Block: "#",
		BarFull: '#', BarEmpty: '-', LeftSel: "<", RightSel: ">", UpDown: "up/down", LeftRight: "left/right"}
}

// Styles is the one styles tree of the wizard, built once in NewStyles from
// the terminal's capabilities. Screens take what they need from it; nothing
// else in the package makes a lipgloss style.
type Styles struct {
	Caps  Caps
	Marks Marks
	// Renderer renders every style, so tests can pin the colour profile.
	Renderer *lipgloss.Renderer

	Header, HeaderDim, Simulated, Title, Subtitle, Label, Focused, Value, Dim, Help lipgloss.Style
	OK, Warn, Fail, Current, Todo, Key, Hint, Box, Selected                         lipgloss.Style
}

// NewStyles builds the styles for caps on renderer r. Colours are adaptive
// (light and dark backgrounds) and limited to what 16-colour terminals show
// well; without colour the renderer's profile is ASCII, so styles print
// plain text but bold and reverse still mark the focus where supported.
func NewStyles(r *lipgloss.Renderer, caps Caps) *Styles {
	if !caps.Color {
		r.SetColorProfile(termenv.Ascii)
	}
	c := func(light, dark string) lipgloss.AdaptiveColor {
		return lipgloss.AdaptiveColor{Light: light, Dark: dark}
	}
	accent := c("4", "12")
	green := c("2", "10")
	yellow := c("3", "11")
	red := c("1", "9")
	// Dim text on dark: 245 is a mid grey (16-colour terminals get 8);
	// colour 7 is as bright as body text or brighter on most dark themes,
	// so hints and the step list shouted instead of receding.
	dim := c("8", "245")
	s := &Styles{Caps: caps, Marks: marksFor(caps.Unicode), Renderer: r}
	ns := r.NewStyle
	s.Header = ns().Bold(true)
	s.HeaderDim = ns().Foreground(dim)
	s.Simulated = ns().Bold(true).Foreground(yellow)
	s.Title = ns().Bold(true).Foreground(accent)
	s.Subtitle = ns().Bold(true)
	s.Label = ns()
	s.Focused = ns().Bold(true).Foreground(accent)
	s.Value = ns()
	s.Dim = ns().Foreground(dim)
	s.Help = ns().Foreground(dim)
	s.OK = ns().Foreground(green)
	s.Warn = ns().Foreground(yellow).Bold(true)
	s.Fail = ns().Foreground(red).Bold(true)
	s.Current = ns().Foreground(accent).Bold(true)
	s.Todo = ns().Foreground(dim)
	s.Key = ns().Bold(true)
	s.Hint = ns().Foreground(dim)
	s.Box = ns()
	s.Selected = ns().Bold(true).Foreground(accent)
	return s
}
