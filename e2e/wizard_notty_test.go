package e2e

import (
	"strings"
	"testing"
)

// Without a terminal the wizard does not start: exit 2 naming the flags.
func TestWizardNeedsTerminal(t *testing.T) {
	r := run(t, nil, "--preset", "dev")
	if r.code != 2 || !strings.Contains(r.stderr, "--answers FILE") {
		t.Fatalf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
}
