package main

import (
	"strings"
	"testing"
)

const (
	rst   = "\x1b[0m"
	green = "\x1b[0m\x1b[38;2;35;209;139m" // bright green (92)
	blue  = "\x1b[0m\x1b[38;2;59;142;234m" // bright blue (94)
)

func TestNormalise(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"39 ends a colour as a reset",
			"\x1b[92m✓\x1b[39m context", green + "✓" + rst + " context"},
		{"a style carried over a line break is closed and drawn again",
			"\x1b[1m\x1b[94mInstall\nmore\x1b[0m\x1b[39m\x1b[49m after",
			blue + "Install" + rst + "\n" + blue + "more" + rst + " after"},
		{"bold in the default colour is brighter",
			"\x1b[1mharbor-installer\x1b[0m x", "\x1b[0m\x1b[38;2;245;245;245mharbor-installer" + rst + " x"},
		{"a reversed blank is the cursor, drawn as a block",
			"path\x1b[7m \x1b[0m", "path\x1b[0m\x1b[38;2;204;204;204m█" + rst},
		{"reversed text swaps its colours",
			"\x1b[7;92mon\x1b[27m", "\x1b[0m\x1b[38;2;30;30;30m\x1b[48;2;35;209;139mon" + rst},
		{"a 40-47 background becomes 24-bit",
			"\x1b[41mX\x1b[49mY", "\x1b[0m\x1b[48;2;205;49;49mX" + rst + "Y"},
		{"256 colours and 24-bit colours",
			"\x1b[38;5;196ma\x1b[38;2;1;2;3mb\x1b[38:2::4:5:6mc",
			"\x1b[0m\x1b[38;2;255;0;0ma\x1b[0m\x1b[38;2;1;2;3mb\x1b[0m\x1b[38;2;4;5;6mc" + rst},
		{"an empty parameter is a reset",
			"\x1b[92ma\x1b[;94mb\x1b[mc", green + "a" + blue + "b" + rst + "c"},
		{"other sequences are dropped",
			"\x1b]0;title\x07a\x1b[2Kb\x1b(Bc\r", "abc"},
		{"spinner dots the font lacks become a dotted circle",
			"\x1b[94m⠹\x1b[39m harbor", blue + "◌" + rst + " harbor"},
		{"no style change, no sequence",
			"\x1b[92ma\x1b[92mb", green + "ab" + rst},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Normalise(tc.in)
			if got != tc.want {
				t.Errorf("Normalise(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
		})
	}
}

// Every output line must stand alone: freeze draws each line from a clean
// state, so a line that needs a style must set it and end it.
func TestNormaliseLinesStandAlone(t *testing.T) {
	in := "\x1b[37m──\n──\x1b[39m\n\x1b[7m"
	for i, line := range strings.Split(Normalise(in), "\n") {
		if strings.Contains(line, "─") && !strings.HasPrefix(line, "\x1b[0m\x1b[38;2;") {
			t.Errorf("line %d does not set its colour: %q", i, line)
		}
		if strings.Contains(line, "\x1b[38") && !strings.HasSuffix(line, rst) {
			t.Errorf("line %d does not end its colour: %q", i, line)
		}
	}
}
