package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"

	"github.com/harbor-installer/harbor-installer/install"
)

// On an ASCII terminal every line still fits the width: the arrows' ASCII
// names are longer than the arrows, so they must be chosen before the help
// line is laid out and cut, not swapped in afterwards (a line one cell too
// long wraps and shifts the whole screen). The full help's columns line up.
func TestASCIIFitsWidth(t *testing.T) {
	caps := Caps{Color: false, Unicode: false}
	deps, _ := testDeps()
	inTempDir(t)
	z := newWiz(t, Options{Preset: "dev", SavePath: "harbor-answers.yaml"}, deps, 80, 24, caps)
	devToReview(t, z)
	fits := func(what string) {
		t.Helper()
		for i, l := range strings.Split(z.m.View(), "\n") {
			if w := lipgloss.Width(l); w > 80 {
				t.Errorf("%s: line %d is %d cells wide on an 80-column terminal: %q", what, i, w, l)
			}
		}
	}
	fits("review")
	z.key("esc") // back to the last step
	z.key("?")
	fits("full help")
	view := z.m.View()
	lines := strings.Split(view, "\n")
	help := lines[len(lines)-4:]
	col := func(l, word string) int { return strings.Index(l, word) }
	if a, b := col(help[2], "move"), col(help[3], "choose"); a != b || a < 0 {
		t.Errorf("full help columns do not line up (%d, %d):\n%s", a, b, strings.Join(help, "\n"))
	}
}

// The done screen wraps a long password command inside the screen and
// keeps every word of it (none cut off at the edge); a long cause wraps
// indented under "cause:".
func TestDoneWrapsLongLines(t *testing.T) {
	cmd := "kubectl -n harbor get secret harbor-admin-password -o jsonpath='{.data.HARBOR_ADMIN_PASSWORD}' | base64 -d"
	for _, w := range []int{100, 80} {
		deps, _ := testDeps()
		z := newWiz(t, Options{Preset: "dev"}, deps, w, 24, unicodeCaps())
		z.m.done = newDone(&install.Summary{HarborURL: "https://r.example.org", AdminUser: "admin", AdminPasswordCommand: cmd,
			Cause: "release velero: helm install: no matches for kind \"Schedule\" in version \"velero.io/v1\"; ensure CRDs are installed first"}, nil, false)
		z.m.screen = screenDone
		view := z.m.View()
		for i, l := range strings.Split(view, "\n") {
			if lw := lipgloss.Width(l); lw > w || strings.Contains(l, "…") {
				t.Errorf("%d columns: line %d is %d wide or cut: %q", w, i, lw, l)
			}
			if strings.Contains(l, "installed first") && !strings.HasPrefix(l, "     ") {
				t.Errorf("%d columns: the cause's continuation lost its indent: %q", w, l)
			}
		}
		if !strings.Contains(strings.Join(strings.Fields(view), " "), cmd) {
			t.Errorf("%d columns: the password command lost words:\n%s", w, view)
		}
	}
}
