package cli

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/harbor-installer/harbor-installer/install"
	"github.com/harbor-installer/harbor-installer/kube/model"
	"github.com/harbor-installer/harbor-installer/steps"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata")

// scriptedEvents is a run as the engine reports it, on a fake clock.
func scriptedEvents() []install.Event {
	t0 := time.Date(2026, 12, 5, 6, 0, 0, 0, time.UTC)
	at := func(ms int, e install.Event) install.Event {
		e.Elapsed = time.Duration(ms) * time.Millisecond
		e.Time = t0.Add(e.Elapsed)
		return e
	}
	dep := &model.ObjectRef{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "harbor", Name: "harbor-core"}
	sc := &model.ObjectRef{APIVersion: "storage.k8s.io/v1", Kind: "StorageClass", Name: "ontap-nas"}
	blk := &model.Blocker{Ref: model.ObjectRef{Kind: "Pod", Namespace: "harbor", Name: "harbor-registry-7c9"}, Phase: "Pending", Reason: "FailedScheduling", Message: "0/3 nodes are available: 3 Insufficient memory."}
	sum := &install.Summary{
		HarborURL: "https://registry.example.org", AdminUser: "admin",
		AdminPasswordCommand: "kubectl -n harbor get secret harbor-admin-password -o jsonpath='{.data.HARBOR_ADMIN_PASSWORD}' | base64 -d",
		Releases: []install.ReleaseSummary{
			{Name: "trident-operator", Namespace: "trident", Outcome: install.OutcomeUnchanged, Revision: 1, Elapsed: 300 * time.Millisecond},
			{Name: "harbor", Namespace: "harbor", Outcome: install.OutcomeReady, Revision: 2, Elapsed: 41200 * time.Millisecond},
		},
		ReplayCommand: "harbor-installer install --answers answers.yaml --yes",
		Elapsed:       42 * time.Second,
	}
	return []install.Event{
		at(0, install.Event{Type: install.PlanStarted, Releases: []install.ReleaseInfo{
			{Name: "trident-operator", Namespace: "trident", Chart: "trident-operator", Version: "100.2606.0"},
			{Name: "harbor", Namespace: "harbor", Chart: "harbor", Version: "1.19.1", Needs: []string{"trident-operator"}}}}),
		at(5, install.Event{Type: install.PreflightDone, Message: "live checks passed (1 warnings)"}),
		at(20, install.Event{Type: install.NamespaceReady, Namespace: "harbor", Action: install.ActionCreated}),
		at(31, install.Event{Type: install.SecretCreated, Secret: "harbor/harbor-admin-password", Namespace: "harbor", Revision: 1}),
		at(40, install.Event{Type: install.SecretReused, Secret: "harbor/harbor-internal-secrets", Namespace: "harbor", Revision: 3}),
		at(52, install.Event{Type: install.ReleaseWaiting, Release: "harbor", Namespace: "harbor", Needs: []string{"trident-operator"}}),
		at(300, install.Event{Type: install.ReleaseUnchanged, Release: "trident-operator", Namespace: "trident", Chart: "trident-operator", Version: "100.2606.0", Revision: 1}),
		at(310, install.Event{Type: install.ObjectApplied, Release: "trident-operator", Object: sc}),
		at(800, install.Event{Type: install.ReleaseStarted, Release: "harbor", Namespace: "harbor", Chart: "harbor", Version: "1.19.1", Action: install.ActionUpgrade, Revision: 2}),
		at(2100, install.Event{Type: install.ObjectProgress, Release: "harbor", Namespace: "harbor", Object: dep, State: model.InProgress, Ready: 1, Desired: 3, Message: "Ready: 1/3"}),
		at(22100, install.Event{Type: install.ReleaseStalled, Release: "harbor", Namespace: "harbor", Blocker: blk, StalledFor: 20 * time.Second, Message: "no progress: " + blk.String()}),
		at(40000, install.Event{Type: install.ObjectProgress, Release: "harbor", Namespace: "harbor", Object: dep, State: model.Ready, Ready: 3, Desired: 3}),
		at(42000, install.Event{Type: install.ReleaseReady, Release: "harbor", Namespace: "harbor", Revision: 2}),
		at(42000, install.Event{Type: install.PlanDone, Summary: sum}),
		at(42100, install.Event{Type: install.VerifyFinding, Finding: &steps.Finding{Step: "verify", Key: "harbor.adminPassword", Level: steps.OK, Seen: "admin logs in through https://registry.example.org", Live: true}}),
		at(47300, install.Event{Type: install.VerifyFinding, Finding: &steps.Finding{Step: "verify", Key: "backup.schedule", Level: steps.Fail, Seen: "no Velero Schedule", Hint: "check the velero release", Live: true}}),
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (-update rewrites it):\n%s", name, got)
	}
}

func TestPlainSinkGolden(t *testing.T) {
	var b bytes.Buffer
	sink := plainSink(&b)
	evs := scriptedEvents()
	for _, e := range evs {
		sink(e)
	}
	printSummary(&b, evs[len(evs)-3].Summary, false)
	golden(t, "sink-plain.golden", b.Bytes())
}

func TestJSONSinkGolden(t *testing.T) {
	var b bytes.Buffer
	sink := jsonSink(&b)
	for _, e := range scriptedEvents() {
		sink(e)
	}
	golden(t, "sink-json.golden", b.Bytes())
	for _, line := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		var e install.Event
		if err := e.UnmarshalJSON([]byte(line)); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
	}
	if !strings.Contains(b.String(), `"stalledForMs":20000`) || !strings.Contains(b.String(), `"elapsedMs":42000`) {
		t.Error("durations are not in milliseconds")
	}
}

func TestLiveViewGolden(t *testing.T) {
	for _, c := range []struct {
		name         string
		ascii, color bool
	}{{"utf8-color", false, true}, {"ascii-nocolor", true, false}} {
		var b bytes.Buffer
		v := &liveView{out: &b, width: 60, ascii: c.ascii, color: c.color, rows: map[string]string{}}
		for _, e := range scriptedEvents() {
			v.sink(e)
		}
		golden(t, "sink-live-"+c.name+".golden", b.Bytes())
		for _, line := range strings.Split(b.String(), "\n") {
			plain := line
			if i := strings.LastIndex(plain, "\x1b[J"); i >= 0 {
				plain = plain[i+3:]
			}
			plain = stripANSI(plain)
			if n := len([]rune(plain)); n > 59 {
				t.Errorf("%s: line of %d runes exceeds the width: %q", c.name, n, plain)
			}
			if c.ascii && strings.IndexFunc(plain, func(r rune) bool { return r > 127 }) >= 0 {
				t.Errorf("%s: non-ASCII in %q", c.name, plain)
			}
			if !c.color && strings.Contains(line, "\x1b[3") {
				t.Errorf("%s: colour with NO_COLOR", c.name)
			}
		}
	}
}

func stripANSI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b {
			for i < len(s) && !(s[i] >= 'A' && s[i] <= 'Z' || s[i] >= 'a' && s[i] <= 'z') {
				i++
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func TestUTF8Locale(t *testing.T) {
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_CTYPE", "")
	t.Setenv("LANG", "C")
	if utf8Locale() {
		t.Error("C locale taken for UTF-8")
	}
	t.Setenv("LC_CTYPE", "en_US.UTF-8")
	if !utf8Locale() {
		t.Error("en_US.UTF-8 not UTF-8")
	}
}
