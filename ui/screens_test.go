package ui

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/harbor-installer/harbor-installer/install"
	"github.com/harbor-installer/harbor-installer/kube/model"
	"github.com/harbor-installer/harbor-installer/steps"
)

func TestWelcomeScreens(t *testing.T) {
	deps, _ := testDeps()
	z := newWiz(t, Options{Preset: "dev"}, deps, 100, 30, unicodeCaps())
	z.golden("welcome")

	deps.Cluster = fakeCluster{down: true}
	z = newWiz(t, Options{Preset: "dev", DemoCommand: "/usr/local/bin/harbor-installer-demo"}, deps, 100, 30, unicodeCaps())
	z.golden("welcome_no_cluster")
	z.key("s")
	if !z.quit || !z.m.Result().StartDemo {
		t.Fatalf("s on an unreachable cluster should quit asking for the simulated cluster")
	}
}

func TestTooSmall(t *testing.T) {
	deps, _ := testDeps()
	z := newWiz(t, Options{}, deps, 70, 20, unicodeCaps())
	z.golden("too_small")
	z.msg(tea_resize(80, 24))
	z.screenHas("Start from")
}

// TestLiveCheckFailThenPass types a domain that does not resolve, sees the
// live check fail and block the step, then fixes it and goes on.
func TestLiveCheckFailThenPass(t *testing.T) {
	deps, checker := testDeps()
	z := newWiz(t, Options{Preset: "dev"}, deps, 100, 30, unicodeCaps())
	z.key("enter") // preset dev
	if z.stepName() != "cluster" {
		t.Fatalf("after welcome: %s", z.stepName())
	}
	z.golden("step_cluster")
	z.key("enter")
	if z.stepName() != "domain" {
		t.Fatalf("after cluster: %s", z.stepName())
	}
	z.key("ctrl+u")
	z.typeText("harbor.nowhere.test")
	z.golden("step_domain_fail")
	z.key("enter")
	if z.stepName() != "domain" {
		t.Fatalf("a failing live check let the step be left")
	}
	z.screenHas("fix the ✗ findings to continue")
	for range len("harbor.nowhere.test") {
		z.key("backspace")
	}
	z.typeText("registry.example.org")
	z.golden("step_domain_pass")
	n := checker.count("domain")
	z.key("enter")
	if z.stepName() != "tls" {
		t.Fatalf("a passing step did not continue: %s", z.stepName())
	}
	// Back and forth without a change does not check again.
	z.key("esc")
	z.key("enter")
	if got := checker.count("domain"); got != n {
		t.Errorf("domain checked %d times after going back without a change, want %d", got, n)
	}
}

// TestStaleLiveResultDropped: a result for an older edit never shows.
func TestStaleLiveResultDropped(t *testing.T) {
	deps, _ := testDeps()
	z := newWiz(t, Options{Preset: "dev"}, deps, 100, 30, unicodeCaps())
	z.key("enter", "enter")
	sc := z.m.cur()
	old := sc.liveSeq
	z.typeText("x")
	z.msg(liveResultMsg{step: z.m.stepIdx, seq: old, fp: z.m.fp(), findings: []steps.Finding{{Key: "harbor.domain", Level: steps.Fail, Seen: "STALE"}}})
	if strings.Contains(z.m.View(), "STALE") {
		t.Fatal("a stale live result was shown")
	}
}

func TestWarningNeedsAccept(t *testing.T) {
	deps, _ := testDeps()
	z := newWiz(t, Options{Preset: "dev"}, deps, 100, 30, unicodeCaps())
	z.key("enter", "enter", "ctrl+u")
	z.typeText("registry")
	z.key("enter")
	// harbor.domain with one label is a warning: it needs ctrl+a.
	if z.stepName() != "domain" {
		t.Fatalf("a warning was passed without accepting")
	}
	z.golden("step_domain_warn")
	z.key("a") // a printable letter in a text field is text, not accept
	if z.m.a.Harbor.Domain != "registrya" {
		t.Fatalf("a typed into the field: domain %q", z.m.a.Harbor.Domain)
	}
	z.key("backspace", "ctrl+a", "enter")
	if z.stepName() != "tls" {
		t.Fatalf("ctrl+a did not accept the warning: %s", z.stepName())
	}
}

func TestMinIOLayout(t *testing.T) {
	deps, _ := testDeps()
	z := newWiz(t, Options{Preset: "eks-minio"}, deps, 100, 30, unicodeCaps())
	z.key("enter")
	z.m.leaveStep()
	z.m.stepIdx = 5
	z.run(z.m.enterStep())
	if z.stepName() != "minio" {
		t.Fatalf("step 5 is %s", z.stepName())
	}
	z.golden("step_minio")
	// Changing the numbers redraws the layout and its tolerance.
	z.key("tab", "tab") // nodes per pool
	z.key("backspace")
	z.typeText("3")
	z.golden("step_minio_3nodes")
	z.msg(tea_resize(80, 24))
	z.golden("step_minio_80x24")
}

func TestSecretTypedStaysInMemory(t *testing.T) {
	deps, _ := testDeps()
	z := newWiz(t, Options{Preset: "dev"}, deps, 100, 30, unicodeCaps())
	z.key("enter")
	z.m.leaveStep()
	z.m.stepIdx = 7
	z.run(z.m.enterStep())
	if z.stepName() != "harbor" {
		t.Fatalf("step 7 is %s", z.stepName())
	}
	z.key("tab")  // admin password
	z.key("left") // generated -> type it
	z.typeText("s3cr3t-Pa55")
	z.golden("step_harbor_secret")
	if strings.Contains(z.m.View(), "s3cr3t") {
		t.Fatal("typed secret on screen")
	}
	if got := z.m.a.Harbor.AdminPassword.String(); got != "env:HARBOR_ADMIN_PASSWORD" {
		t.Fatalf("admin password reference %q", got)
	}
	if os.Getenv("HARBOR_ADMIN_PASSWORD") != "s3cr3t-Pa55" {
		t.Fatal("typed secret not in the process environment")
	}
	t.Cleanup(func() { os.Unsetenv("HARBOR_ADMIN_PASSWORD") })
	// Review shows the reference and saves no value.
	z.m.leaveStep()
	z.m.stepIdx = len(z.m.stepsSc) - 1
	z.run(z.m.enterStep())
	z.key("enter")
	z.screenHas("typed (env:HARBOR_ADMIN_PASSWORD)", "export HARBOR_ADMIN_PASSWORD")
	z.key("s")
	b, err := os.ReadFile(z.m.opts.SavePath)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "s3cr3t") || !strings.Contains(string(b), "env:HARBOR_ADMIN_PASSWORD") {
		t.Fatalf("saved answers:\n%s", b)
	}
	fi, _ := os.Stat(z.m.opts.SavePath)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("answers file mode %v, want 0600", fi.Mode().Perm())
	}
}

// devToReview walks --preset dev to Review typing only the domain, and
// returns how many keys it took.
func devToReview(t *testing.T, z *wiz) int {
	keys := 0
	var seq []string
	press := func(k ...string) { keys += len(k); seq = append(seq, k...); z.key(k...) }
	defer func() { t.Logf("keys: %v", seq) }()
	press("enter") // welcome: preset dev
	press("enter") // cluster
	press("ctrl+u")
	z.typeText("registry.example.org")
	press("enter") // domain
	for i := 0; z.m.screen == screenStep && i < 20; i++ {
		if hasWarn(z.m.cur().findings(z.m.fp())) && z.m.cur().acceptedWarn == "" {
			press("ctrl+a")
		}
		press("enter")
	}
	if z.m.screen != screenReview {
		t.Fatalf("did not reach Review: on %s\n%s", z.stepName(), z.m.View())
	}
	return keys
}

// inTempDir runs the rest of the test in a new directory, so answers are
// saved to ./harbor-answers.yaml as in real use and screens show that path.
func inTempDir(t *testing.T) {
	wd, _ := os.Getwd()
	if err := os.Chdir(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chdir(wd) })
}

func TestReviewAndPager(t *testing.T) {
	deps, _ := testDeps()
	inTempDir(t)
	z := newWiz(t, Options{Preset: "dev", SavePath: "harbor-answers.yaml"}, deps, 100, 30, unicodeCaps())
	keys := devToReview(t, z)
	t.Logf("keys from launch to Review with --preset dev (domain typed aside): %d", keys)
	if keys+1 > 25 {
		t.Errorf("%d keys to install, want at most 25", keys+1)
	}
	z.golden("review")
	z.key("v")
	z.golden("pager")
	z.key("esc")
	z.msg(tea_resize(80, 24))
	z.golden("review_80x24")
}

func stalledEvents() []install.Event {
	sts := &model.ObjectRef{Kind: "StatefulSet", Name: "minio"}
	return []install.Event{
		{Type: install.PlanStarted, Releases: []install.ReleaseInfo{
			{Name: "minio", Namespace: "minio", Chart: "minio", Version: "5.4.0"},
			{Name: "harbor", Namespace: "harbor", Chart: "harbor", Version: "1.19.1"},
			{Name: "velero", Namespace: "velero", Chart: "velero", Version: "12.1.0", Needs: []string{"minio"}},
		}},
		{Type: install.SecretCreated, Secret: "harbor/harbor-admin", Elapsed: time.Second},
		{Type: install.ReleaseStarted, Release: "minio", Chart: "minio", Version: "5.4.0", Elapsed: 2 * time.Second},
		{Type: install.ReleaseStarted, Release: "harbor", Chart: "harbor", Version: "1.19.1", Elapsed: 2 * time.Second},
		{Type: install.ReleaseWaiting, Release: "velero", Needs: []string{"minio"}, Elapsed: 2 * time.Second},
		{Type: install.ObjectProgress, Release: "minio", Object: sts, State: model.Ready, Ready: 4, Desired: 4, Elapsed: 20 * time.Second},
		{Type: install.ReleaseReady, Release: "minio", Elapsed: 22 * time.Second},
		{Type: install.ObjectProgress, Release: "harbor", Object: &model.ObjectRef{Kind: "Deployment", Name: "harbor-core"}, State: model.InProgress, Ready: 1, Desired: 2, Elapsed: 25 * time.Second},
		{Type: install.ObjectProgress, Release: "harbor", Object: &model.ObjectRef{Kind: "Deployment", Name: "harbor-registry"}, State: model.InProgress, Ready: 0, Desired: 2, Elapsed: 25 * time.Second},
		{Type: install.ReleaseStalled, Release: "harbor", StalledFor: 45 * time.Second, Elapsed: 70 * time.Second,
			Blocker: &model.Blocker{Ref: model.ObjectRef{Kind: "Pod", Name: "harbor-registry-7c9d"}, Phase: "Pending", Reason: "FailedScheduling",
				Message: "0/3 nodes are available: 3 node(s) had volume node affinity conflict"}},
	}
}

func TestInstallStalledAndDone(t *testing.T) {
	deps, _ := testDeps()
	inst := &fakeInstaller{events: stalledEvents(), release: make(chan struct{}),
		sum: &install.Summary{HarborURL: "https://registry.example.org", AdminUser: "admin",
			AdminPasswordCommand: "kubectl -n harbor get secret harbor-admin -o jsonpath='{.data.password}' | base64 -d",
			Releases: []install.ReleaseSummary{{Name: "minio", Namespace: "minio", Outcome: install.OutcomeReady, Elapsed: 20 * time.Second},
				{Name: "harbor", Namespace: "harbor", Outcome: install.OutcomeReady, Elapsed: 95 * time.Second}},
			ReplayCommand: "harbor-installer install --answers harbor-answers.yaml"}}
	deps.Installer = inst
	ver := &fakeVerifier{findings: []steps.Finding{
		{Step: "verify", Key: "harbor.adminPassword", Level: steps.OK, Seen: "admin logs in through https://registry.example.org (DNS, ingress and TLS work together)"},
		{Step: "verify", Key: "cluster", Level: steps.Warn, Seen: "Harbor was not verified end to end: simulated cluster (no containers run)", Hint: "every node (6) is a kwok fake node"},
	}}
	deps.Verifier = ver
	inTempDir(t)
	z := newWiz(t, Options{Preset: "dev", SavePath: "harbor-answers.yaml"}, deps, 100, 30, unicodeCaps())
	devToReview(t, z)
	z.key("i")
	if z.m.screen != screenInstall {
		t.Fatalf("i did not start the install")
	}
	z.golden("install_stalled")
	z.msg(tea_resize(80, 24))
	z.golden("install_stalled_80x24")
	z.msg(tea_resize(100, 30))
	// Ctrl-C asks first; any other key goes on.
	z.key("ctrl+c")
	z.screenHas("Abandon the install?")
	z.key("n")
	if z.m.inst.stopped {
		t.Fatal("n abandoned the install")
	}
	close(inst.release)
	z.settle()
	if z.m.screen != screenDone {
		t.Fatalf("install did not finish")
	}
	z.golden("done")
	if ver.calls != 1 || len(z.m.Result().Verified) != 2 || z.m.Result().Verifying {
		t.Errorf("verifier called %d times; result has %d findings, verifying %v", ver.calls, len(z.m.Result().Verified), z.m.Result().Verifying)
	}
	var b strings.Builder
	WriteSummary(&b, z.m.Result(), true)
	for _, want := range []string{"https://registry.example.org", "replay", "! warn cluster: Harbor was not verified end to end: simulated cluster (no containers run)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary for the scrollback lacks %q:\n%s", want, b.String())
		}
	}
}

// TestDoneShowsProofAsItRuns: the proof's findings show while it runs, a
// failure is named, and leaving Done stops a proof still running.
func TestDoneShowsProofAsItRuns(t *testing.T) {
	deps, _ := testDeps()
	deps.Installer = &fakeInstaller{sum: &install.Summary{HarborURL: "https://registry.example.org", AdminUser: "admin",
		Releases: []install.ReleaseSummary{{Name: "harbor", Namespace: "harbor", Outcome: install.OutcomeReady, Elapsed: 95 * time.Second}}}}
	ver := &fakeVerifier{release: make(chan struct{}), ctxErr: make(chan error, 1), findings: []steps.Finding{
		{Step: "verify", Key: "harbor", Level: steps.Fail, Seen: "unhealthy after 5m0s: jobservice", Hint: "look at the pod"},
	}}
	deps.Verifier = ver
	z := newWiz(t, Options{Preset: "dev"}, deps, 100, 30, unicodeCaps())
	devToReview(t, z)
	z.key("i")
	z.settle()
	if z.m.screen != screenDone {
		t.Fatalf("install did not finish")
	}
	z.screenHas("verifying Harbor end to end", "✗ fail harbor: unhealthy after 5m0s: jobservice")
	if !z.m.Result().Verifying {
		t.Error("result does not say the proof still runs")
	}
	z.key("enter")
	select {
	case err := <-ver.ctxErr:
		if err == nil {
			t.Error("the proof's context did not end")
		}
	case <-time.After(2 * time.Second):
		t.Fatal("leaving Done did not stop the proof")
	}

	// A proof that ends with a failure says so.
	ver = &fakeVerifier{findings: ver.findings}
	deps.Verifier = ver
	z = newWiz(t, Options{Preset: "dev"}, deps, 100, 30, unicodeCaps())
	devToReview(t, z)
	z.key("i")
	z.settle()
	z.screenHas("verified end to end:", "1 failed: Harbor is installed but does not work end to end")

	// A failed install runs no proof.
	ver = &fakeVerifier{}
	deps.Verifier = ver
	deps.Installer = &fakeInstaller{sum: &install.Summary{Cause: "release harbor: boom"}}
	z = newWiz(t, Options{Preset: "dev"}, deps, 100, 30, unicodeCaps())
	devToReview(t, z)
	z.key("i")
	z.settle()
	if ver.calls != 0 {
		t.Error("a failed install was verified")
	}
}

func TestInstallAbandonAndFailure(t *testing.T) {
	deps, _ := testDeps()
	inst := &fakeInstaller{events: stalledEvents()[:4], release: make(chan struct{})}
	deps.Installer = inst
	z := newWiz(t, Options{Preset: "dev"}, deps, 100, 30, unicodeCaps())
	devToReview(t, z)
	z.key("i", "ctrl+c", "y")
	if !z.m.inst.stopped {
		t.Fatal("y did not stop the install")
	}
	z.golden("install_stopping")
	z.settle()
	if z.m.screen != screenDone || !z.m.Result().Interrupted {
		t.Fatalf("abandon did not end cleanly: screen %d", z.m.screen)
	}

	deps.Installer = &fakeInstaller{events: stalledEvents()[:4], sum: &install.Summary{Cause: "release harbor: pod harbor-registry-7c9d Pending: FailedScheduling", BundlePath: "/tmp/harbor-installer-bundle-20261205.tar.gz"}}
	inTempDir(t)
	z = newWiz(t, Options{Preset: "dev", SavePath: "harbor-answers.yaml"}, deps, 100, 30, unicodeCaps())
	devToReview(t, z)
	z.key("i")
	z.settle()
	z.golden("done_failed")
}

func TestASCIILocale(t *testing.T) {
	caps := DetectCaps(func(k string) string { return map[string]string{"LANG": "C", "TERM": "xterm", "NO_COLOR": "1"}[k] })
	if caps.Unicode || caps.Color || caps.Plain {
		t.Fatalf("caps %+v", caps)
	}
	deps, _ := testDeps()
	z := newWiz(t, Options{Preset: "dev"}, deps, 80, 24, caps)
	z.key("enter", "enter")
	z.golden("step_domain_ascii")
	for _, r := range z.m.View() {
		if r > 127 {
			t.Fatalf("non-ASCII %q on an ASCII terminal:\n%s", r, z.m.View())
		}
	}
}

func TestPickFilter(t *testing.T) {
	deps, _ := testDeps()
	z := newWiz(t, Options{Preset: "dev"}, deps, 100, 30, unicodeCaps())
	z.key("enter")
	z.m.leaveStep()
	z.m.stepIdx = 4
	z.run(z.m.enterStep())
	z.key("tab") // StorageClass
	z.key("/")
	z.typeText("ontap")
	z.golden("step_storage_filter")
	z.key("enter")
	if z.m.a.Storage.StorageClass != "ontap-nas" {
		t.Fatalf("filter pick gave %q", z.m.a.Storage.StorageClass)
	}
}

func BenchmarkFirstFrame(b *testing.B) {
	deps, _ := testDeps()
	deps.Cluster = fakeCluster{}
	for b.Loop() {
		r := newTestRenderer()
		m := New(Options{Preset: "dev"}, deps, NewStyles(r, unicodeCaps()))
		m.Update(tea_resize(100, 30))
		_ = m.View()
	}
}

// TestFullHelp: ? shows every key, and again hides it; in a text field ?
// is text.
func TestFullHelp(t *testing.T) {
	deps, _ := testDeps()
	z := newWiz(t, Options{Preset: "dev"}, deps, 100, 30, unicodeCaps())
	z.key("enter", "enter", "tab") // domain step: focus stays on the only field
	z.key("?")
	if z.m.help.ShowAll || !strings.HasSuffix(z.m.a.Harbor.Domain, "?") {
		t.Fatalf("? in a text field should be text: domain %q", z.m.a.Harbor.Domain)
	}
	z.key("backspace", "ctrl+c")
	z = newWiz(t, Options{Preset: "dev"}, deps, 100, 30, unicodeCaps())
	z.key("enter", "enter", "enter", "ctrl+a", "enter") // to TLS, an enum field
	z.key("?")
	z.golden("help_full")
	z.key("?")
	if z.m.help.ShowAll {
		t.Fatal("? did not hide the full help")
	}
}
