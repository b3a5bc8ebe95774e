package cli

import (
	"strings"
	"testing"

	"github.com/harbor-installer/harbor-installer/steps"
)

// A release left pending stops install without --recover, naming the flag
// rather than a helm command, and only warns with it; other failures stay.
func TestPendingReleaseFinding(t *testing.T) {
	fs := []steps.Finding{
		{Key: "minio.releaseName", Level: steps.Fail, Live: true, Seen: "release minio in namespace minio is at revision 1, pending-install (chart minio 5.4.0)", Hint: "remove it with `helm uninstall minio -n minio`, then run again"},
		{Key: "ldap.bindDN", Level: steps.Fail, Live: true, Seen: "bind refused", Hint: "check the password"},
	}
	got := pendingReleases(fs, false)
	if got[0].Level != steps.Fail || !strings.Contains(got[0].Hint, "--recover") || strings.Contains(got[0].Hint, "helm uninstall") {
		t.Errorf("without --recover: %+v", got[0])
	}
	got = pendingReleases(fs, true)
	if got[0].Level != steps.Warn || !strings.Contains(got[0].Hint, "--recover") {
		t.Errorf("with --recover: %+v", got[0])
	}
	if got[1] != fs[1] {
		t.Errorf("another failure changed: %+v", got[1])
	}
	if fs[0].Level != steps.Fail {
		t.Error("the input was changed")
	}
}
