package main

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// style is the SGR state that matters for a picture.
type style struct {
	fg, bg               *rgb
	bold, faint, reverse bool
}

// apply updates s with one SGR sequence's parameters.
func (s *style) apply(params []int) {
	if len(params) == 0 {
		params = []int{0}
	}
	for i := 0; i < len(params); i++ {
		p := params[i]
		switch {
		case p == 0:
			*s = style{}
		case p == 1:
			s.bold = true
		case p == 2:
			s.faint = true
		case p == 22:
			s.bold, s.faint = false, false
		case p == 7:
			s.reverse = true
		case p == 27:
			s.reverse = false
		case p >= 30 && p <= 37:
			c := ansi16[p-30]
			s.fg = &c
		case p >= 90 && p <= 97:
			c := ansi16[p-90+8]
			s.fg = &c
		case p == 39:
			s.fg = nil
		case p >= 40 && p <= 47:
			c := ansi16[p-40]
			s.bg = &c
		case p >= 100 && p <= 107:
			c := ansi16[p-100+8]
			s.bg = &c
		case p == 49:
			s.bg = nil
		case p == 38 || p == 48:
			c, n := extended(params[i+1:])
			i += n
			if c == nil {
				continue
			}
			if p == 38 {
				s.fg = c
			} else {
				s.bg = c
			}
		}
	}
}

// extended reads the rest of a 38 or 48 sequence (5;n or 2;r;g;b) and
// says how many parameters it used.
func extended(p []int) (*rgb, int) {
	switch {
	case len(p) >= 2 && p[0] == 5:
		c := indexed(clamp(p[1]))
		return &c, 2
	case len(p) >= 4 && p[0] == 2:
		c := rgb{uint8(clamp(p[1])), uint8(clamp(p[2])), uint8(clamp(p[3]))}
		return &c, 4
	}
	return nil, len(p)
}

func clamp(v int) int { return min(max(v, 0), 255) }

// canonical is the sequence that draws s in freeze: empty for the default
// look, else a reset and the effective colours.
func (s style) canonical() string {
	fg, bg := s.fg, s.bg
	if fg == nil && s.bold {
		fg = &boldFG
	}
	if fg == nil && s.faint {
		fg = &faintFG
	}
	if s.reverse {
		nfg, nbg := defaultBG, defaultFG
		if bg != nil {
			nfg = *bg
		}
		if fg != nil {
			nbg = *fg
		}
		fg, bg = &nfg, &nbg
	}
	if fg == nil && bg == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString("\x1b[0m")
	if fg != nil {
		b.WriteString("\x1b[38;2;" + fg.String() + "m")
	}
	if bg != nil {
		b.WriteString("\x1b[48;2;" + bg.String() + "m")
	}
	return b.String()
}

// substitute stands in for characters freeze's embedded font (JetBrains
// Mono) lacks, which it would draw as empty boxes: the braille dots of
// spinners become a dotted circle, which reads as "running" too.
func substitute(r rune) (string, bool) {
	if r >= 0x2800 && r <= 0x28ff {
		return "◌", true
	}
	return "", false
}

// cursorColour is the colour a reversed blank shows: its foreground.
func cursorColour(s style) *rgb {
	if s.fg != nil {
		return s.fg
	}
	return &defaultFG
}

// Normalise rewrites ANSI text so each line stands alone and each style
// change is one canonical sequence; other escape sequences are dropped.
func Normalise(in string) string {
	var out strings.Builder
	var cur style
	emitted := "" // the canonical sequence in force on this output line
	for i := 0; i < len(in); {
		c := in[i]
		switch {
		case c == 0x1b && i+1 < len(in) && in[i+1] == '[':
			j := i + 2
			for j < len(in) && (in[j] < 0x40 || in[j] > 0x7e) {
				j++
			}
			if j < len(in) && in[j] == 'm' {
				cur.apply(parseParams(in[i+2 : j]))
			}
			i = j + 1
		case c == 0x1b && i+1 < len(in) && in[i+1] == ']':
			// OSC: up to BEL or ST.
			j := i + 2
			for j < len(in) && in[j] != 0x07 && !(in[j] == 0x1b && j+1 < len(in) && in[j+1] == '\\') {
				j++
			}
			if j < len(in) && in[j] == 0x1b {
				j++
			}
			i = j + 1
		case c == 0x1b:
			// Any other escape: intermediate bytes, then one final byte.
			i++
			for i < len(in) && in[i] >= 0x20 && in[i] <= 0x2f {
				i++
			}
			i++
		case c == '\n':
			if emitted != "" {
				out.WriteString("\x1b[0m")
				emitted = ""
			}
			out.WriteByte('\n')
			i++
		case c == '\r':
			i++
		case c == ' ' && cur.reverse:
			// A reversed blank is a text field's cursor. freeze places
			// background boxes on a grid slightly narrower than its font's
			// cells, so the box would overlap the letter before it: draw a
			// full block in the cursor's colour instead.
			block := cur
			block.reverse, block.bg = false, nil
			block.fg = cursorColour(cur)
			if want := block.canonical(); want != emitted {
				out.WriteString(want)
				emitted = want
			}
			out.WriteString("█")
			i++
		default:
			if want := cur.canonical(); want != emitted {
				if want == "" {
					out.WriteString("\x1b[0m")
				} else {
					out.WriteString(want)
				}
				emitted = want
			}
			r, n := utf8.DecodeRuneInString(in[i:])
			if sub, ok := substitute(r); ok {
				out.WriteString(sub)
			} else {
				out.WriteString(in[i : i+n])
			}
			i += n
		}
	}
	if emitted != "" {
		out.WriteString("\x1b[0m")
	}
	return out.String()
}

// parseParams splits SGR parameters; an empty one is 0, and colon
// sub-parameters (38:2::r:g:b) read as separate ones.
func parseParams(s string) []int {
	if s == "" {
		return nil
	}
	var out []int
	for _, part := range strings.Split(s, ";") {
		subs := []string{part}
		if strings.Contains(part, ":") {
			subs = strings.FieldsFunc(part, func(r rune) bool { return r == ':' })
		}
		for _, f := range subs {
			n, _ := strconv.Atoi(f) // empty or malformed reads as 0, as terminals do
			out = append(out, n)
		}
	}
	return out
}
