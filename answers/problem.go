package answers

import (
	"fmt"
	"strings"
)

// Position tells where an answer's value came from.
type Position struct {
	// Source is a file path, "preset NAME", "--set KEY" or "defaults".
	Source string
	// Line is 1-based; 0 when the source has no lines (--set, defaults).
	Line int
}

func (p Position) String() string {
	if p.Source == "" {
		return ""
	}
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d", p.Source, p.Line)
	}
	return p.Source
}

// Problem is something wrong (or worth a warning) about one answer key.
type Problem struct {
	Pos     Position
	Key     string
	Message string
	// Hint says how to fix it.
	Hint string
}

func (p Problem) String() string {
	var b strings.Builder
	if s := p.Pos.String(); s != "" {
		b.WriteString(s)
		b.WriteString(": ")
	}
	if p.Key != "" {
		b.WriteString(p.Key)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	if p.Hint != "" {
		b.WriteString(" — ")
		b.WriteString(p.Hint)
	}
	return b.String()
}

// LoadError is returned when answers cannot be used at all: a syntax error,
// an unknown key, a wrong type or a bad value. The CLI exits 2 on it.
type LoadError struct {
	Problems []Problem
}

func (e *LoadError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}
