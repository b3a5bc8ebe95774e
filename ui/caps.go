package ui

import (
	"strings"
)

// Caps is what the terminal can show: colour and Unicode. It is decided
// once, from the environment, so every screen degrades the same way.
type Caps struct {
	// Color is false under NO_COLOR or TERM=dumb.
	Color bool
	// Unicode is false when the locale is not UTF-8 (LANG=C over SSH is
	// common on bastion hosts): box drawing, spinners and marks turn ASCII.
	Unicode bool
	// Plain asks for line prompts instead of the full-screen wizard: TERM is
	// dumb or unset, which means no cursor addressing.
	Plain bool
}

// DetectCaps reads the environment through getenv (os.Getenv in the
// program, a map in tests).
func DetectCaps(getenv func(string) string) Caps {
	c := Caps{Color: true, Unicode: true}
	term := getenv("TERM")
	if _, set := lookup(getenv, "NO_COLOR"); set || term == "dumb" {
		c.Color = false
	}
	if term == "" || term == "dumb" {
		c.Plain = true
	}
	// The first of LC_ALL, LC_CTYPE, LANG that is set decides, as in libc.
	locale := ""
	for _, k := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if v := getenv(k); v != "" {
			locale = v
			break
		}
	}
	l := strings.ToLower(locale)
	c.Unicode = strings.Contains(l, "utf-8") || strings.Contains(l, "utf8")
	return c
}

func lookup(getenv func(string) string, k string) (string, bool) {
	v := getenv(k)
	return v, v != ""
}
