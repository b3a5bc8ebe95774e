// Command ansi2freeze rewrites a tmux capture (`capture-pane -e -p`) into the
// small dialect of ANSI that charmbracelet/freeze v0.2.2 draws correctly, for
// hack/screenshots.sh.
//
// freeze reads each line on its own, treats only SGR 0 as a reset (tmux
// ends a colour with 39 or 49 and carries styles across lines), ignores
// bold, reverse video and the 40–47 backgrounds, and keeps one attribute per
// span. So every style change becomes one canonical sequence: a reset, then
// the effective foreground and background as 24-bit colours from one
// terminal palette, with bold, faint and reverse folded into those colours.
//
//	ansi2freeze < screen.ansi > screen.freeze.ansi
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
)

func main() {
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ansi2freeze: read:", err)
		os.Exit(1)
	}
	w := bufio.NewWriter(os.Stdout)
	// The write's error, else the flush's: a shadowed err here used to
	// drop both.
	_, err = w.WriteString(Normalise(string(in)))
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ansi2freeze: write:", err)
		os.Exit(1)
	}
}
