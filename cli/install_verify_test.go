package cli

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/harbor-installer/harbor-installer/install"
	"github.com/harbor-installer/harbor-installer/steps"
	"github.com/harbor-installer/harbor-installer/ui"
	"github.com/harbor-installer/harbor-installer/verify"
)

var simulatedProof = []steps.Finding{{Step: verify.StepName, Key: "cluster", Level: steps.Warn, Seen: verify.NotVerifiedSimulated, Hint: "every node (6) is a kwok fake node", Live: true}}

// TestInstallVerifiesAfterPlanDone: after plan.done the proof's findings
// follow as plain lines and verify.finding events; a warning exits 0.
func TestInstallVerifiesAfterPlanDone(t *testing.T) {
	f := newCLIFake()
	f.proof = simulatedProof
	withFake(t, f)
	code, out, stderr := runCLI("install", "--preset", "dev", "--yes")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	done := strings.Index(out, "] done")
	line := strings.Index(out, "verify warn cluster: "+verify.NotVerifiedSimulated)
	if done < 0 || line < done {
		t.Errorf("the finding is not a line after done:\n%s", out)
	}
	if !strings.Contains(out, "Verified:        0 ok, 1 warn, 0 fail") {
		t.Errorf("no verify summary line:\n%s", out)
	}

	code, out, _ = runCLI("install", "--preset", "dev", "--yes", "--output", "json")
	if code != ExitOK {
		t.Fatalf("json: exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var last install.Event
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil {
		t.Fatal(err)
	}
	var prev install.Event
	_ = json.Unmarshal([]byte(lines[len(lines)-2]), &prev)
	if last.Type != install.VerifyFinding || last.Finding == nil || last.Finding.Level != steps.Warn || last.Finding.Seen != verify.NotVerifiedSimulated || prev.Type != install.PlanDone {
		t.Errorf("want plan.done then verify.finding, got %s then %s: %s", prev.Type, last.Type, lines[len(lines)-1])
	}
}

func TestInstallFailsOnAFailedProof(t *testing.T) {
	f := newCLIFake()
	f.proof = []steps.Finding{{Step: verify.StepName, Key: "harbor.adminPassword", Level: steps.Fail, Seen: "admin cannot log in through https://harbor.local", Hint: "give the password Harbor was installed with", Live: true}}
	withFake(t, f)
	code, out, stderr := runCLI("install", "--preset", "dev", "--yes")
	if code != ExitFailure {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, out, stderr)
	}
	if !strings.Contains(out, "verify fail harbor.adminPassword: admin cannot log in") || !strings.Contains(out, "-> give the password") {
		t.Errorf("the failure is not shown:\n%s", out)
	}
	if !strings.Contains(stderr, "harbor-installer verify") {
		t.Errorf("stderr does not say what next: %s", stderr)
	}
}

func TestInstallSkipVerifyAndDryRun(t *testing.T) {
	f := newCLIFake()
	f.proof = []steps.Finding{{Key: "harbor", Level: steps.Fail, Seen: "unhealthy"}}
	withFake(t, f)
	for _, args := range [][]string{{"--skip-verify"}, {"--dry-run"}} {
		code, out, stderr := runCLI(append([]string{"install", "--preset", "dev", "--yes"}, args...)...)
		if code != ExitOK || strings.Contains(out, "verify ") {
			t.Errorf("%v: exit %d\n%s\n%s", args, code, out, stderr)
		}
	}
	if f.verified != 0 {
		t.Errorf("verify ran %d times with --skip-verify / --dry-run", f.verified)
	}
}

// TestWizardExitOnProof: the wizard exits 1 when the proof failed, 0 on a
// warning (the simulated cluster's), as install does.
func TestWizardExitOnProof(t *testing.T) {
	sum := &install.Summary{HarborURL: "https://harbor.local"}
	if err := wizardExit(ui.Result{Summary: sum, Verified: simulatedProof}, nil); err != nil {
		t.Errorf("a warning failed the wizard: %v", err)
	}
	fail := []steps.Finding{{Key: "harbor", Level: steps.Fail, Seen: "unhealthy"}}
	var se silentExit
	if err := wizardExit(ui.Result{Summary: sum, Verified: fail}, nil); !errors.As(err, &se) || int(se) != ExitFailure {
		t.Errorf("a failed proof: %v, want exit 1", err)
	}
}
