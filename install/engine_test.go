package install

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/kube/model"
	"github.com/harbor-installer/harbor-installer/render"
)

// recorder collects a run's events.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) sink(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) of(t EventType) []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Event
	for _, e := range r.events {
		if e.Type == t {
			out = append(out, e)
		}
	}
	return out
}

func (r *recorder) release(name string, t EventType) *Event {
	for _, e := range r.of(t) {
		if e.Release == name {
			return &e
		}
	}
	return nil
}

func rel(name string, needs ...string) render.Release {
	return render.Release{
		Name: name, Namespace: name, Needs: needs,
		Chart:  answers.Chart{Source: "https://charts.example", Name: name, Version: "1.0.0"},
		Values: map[string]any{"replicas": 2, "nested": map[string]any{"x": "y"}},
		Waits:  []render.Wait{{APIVersion: "apps/v1", Kind: "Deployment", Name: name}},
	}
}

// graphPlan is Trident (with an object after it) before MinIO and Harbor,
// which run side by side, and Velero after MinIO.
func graphPlan() *render.Plan {
	return &render.Plan{
		Namespaces: []string{"harbor", "minio", "trident", "velero"},
		Releases:   []render.Release{rel("trident"), rel("minio", "trident"), rel("harbor", "trident"), rel("velero", "minio")},
		Objects: []render.Object{{APIVersion: "storage.k8s.io/v1", Kind: "StorageClass", Name: "ontap", After: "trident",
			Content: map[string]any{"provisioner": "csi.trident.netapp.io"}}},
	}
}

func index(calls []string, prefix string) int {
	for i, c := range calls {
		if strings.HasPrefix(c, prefix) {
			return i
		}
	}
	return -1
}

func TestGraphOrderAndConcurrency(t *testing.T) {
	f := newFake()
	for _, n := range []string{"trident", "minio", "harbor", "velero"} {
		f.applyDelay[n] = 60 * time.Millisecond
	}
	f.readyIn = 10 * time.Millisecond
	var rec recorder
	sum, err := New(f, Options{}).Run(context.Background(), graphPlan(), rec.sink)
	if err != nil {
		t.Fatal(err)
	}
	c := f.callList()
	before := func(a, b string) {
		t.Helper()
		if ia, ib := index(c, a), index(c, b); ia < 0 || ib < 0 || ia > ib {
			t.Errorf("%q (%d) not before %q (%d) in %v", a, ia, b, ib, c)
		}
	}
	before("apply done trident", "object StorageClass ontap")
	before("object StorageClass ontap", "apply start minio")
	before("object StorageClass ontap", "apply start harbor")
	before("apply done minio", "apply start velero")
	if f.maxActive < 2 {
		t.Errorf("minio and harbor never ran at the same time (max %d in flight)", f.maxActive)
	}
	if e := rec.release("velero", ReleaseWaiting); e == nil || strings.Join(e.Needs, ",") != "minio" {
		t.Errorf("velero waiting event = %+v", e)
	}
	if len(rec.of(ReleaseReady)) != 4 || len(rec.of(PlanDone)) != 1 {
		t.Errorf("want 4 release.ready and plan.done, got %d and %d", len(rec.of(ReleaseReady)), len(rec.of(PlanDone)))
	}
	if len(rec.of(ObjectProgress)) == 0 {
		t.Error("no object.progress events")
	}
	for _, r := range sum.Releases {
		if r.Outcome != OutcomeReady || r.Revision != 1 {
			t.Errorf("%s: %s revision %d, want ready 1", r.Name, r.Outcome, r.Revision)
		}
	}
}

func TestFailedReleaseSkipsDependents(t *testing.T) {
	f := newFake()
	f.applyErr["minio"] = errors.New("chart not found")
	var rec recorder
	sum, err := New(f, Options{BundleDir: t.TempDir()}).Run(context.Background(), graphPlan(), rec.sink)
	if !errors.Is(err, ErrFailed) {
		t.Fatalf("err = %v, want ErrFailed", err)
	}
	if rec.release("velero", ReleaseSkipped) == nil {
		t.Error("velero not skipped after minio failed")
	}
	if rec.release("harbor", ReleaseReady) == nil {
		t.Error("harbor (no path from minio) did not finish")
	}
	want := map[string]ReleaseOutcome{"trident": OutcomeReady, "minio": OutcomeFailed, "harbor": OutcomeReady, "velero": OutcomeSkipped}
	for _, r := range sum.Releases {
		if want[r.Name] != r.Outcome {
			t.Errorf("%s: %s, want %s", r.Name, r.Outcome, want[r.Name])
		}
	}
	if !strings.Contains(sum.Cause, "chart not found") {
		t.Errorf("cause %q", sum.Cause)
	}
}

func TestSecondRunUnchanged(t *testing.T) {
	f := newFake()
	p := graphPlan()
	if _, err := New(f, Options{}).Run(context.Background(), p, nil); err != nil {
		t.Fatal(err)
	}
	n := len(f.specs)
	var rec recorder
	sum, err := New(f, Options{}).Run(context.Background(), p, rec.sink)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.specs) != n {
		t.Errorf("second run applied %d releases, want none", len(f.specs)-n)
	}
	if len(rec.of(ReleaseUnchanged)) != 4 {
		t.Errorf("%d release.unchanged, want 4", len(rec.of(ReleaseUnchanged)))
	}
	for _, r := range sum.Releases {
		if r.Outcome != OutcomeUnchanged || r.Revision != 1 {
			t.Errorf("%s: %s revision %d", r.Name, r.Outcome, r.Revision)
		}
	}
	// A values change upgrades just that release.
	p.Releases[1].Values["replicas"] = 4
	rec = recorder{}
	if _, err := New(f, Options{}).Run(context.Background(), p, rec.sink); err != nil {
		t.Fatal(err)
	}
	if e := rec.release("minio", ReleaseStarted); e == nil || e.Action != ActionUpgrade || e.Revision != 2 {
		t.Errorf("minio started = %+v, want upgrade to revision 2", e)
	}
	if len(rec.of(ReleaseUnchanged)) != 3 {
		t.Errorf("%d unchanged, want 3", len(rec.of(ReleaseUnchanged)))
	}
}

func TestPendingNeedsRecover(t *testing.T) {
	f := newFake()
	f.releases["trident"] = &model.ReleaseState{Name: "trident", Namespace: "trident", Status: model.ReleasePendingUpgrade, Revision: 3, LastDeployed: 2, ChartVersion: "1.0.0"}
	var rec recorder
	_, err := New(f, Options{BundleDir: t.TempDir()}).Run(context.Background(), graphPlan(), rec.sink)
	if !errors.Is(err, ErrFailed) || !strings.Contains(err.Error(), "--recover") || !strings.Contains(err.Error(), "pending-upgrade") {
		t.Fatalf("err = %v, want a pending-upgrade failure naming --recover", err)
	}
	if index(f.callList(), "apply start") >= 0 {
		t.Error("a release was applied although its need was pending")
	}
	rec = recorder{}
	if _, err := New(f, Options{Recover: true}).Run(context.Background(), graphPlan(), rec.sink); err != nil {
		t.Fatal(err)
	}
	if rec.release("trident", ReleaseRecovering) == nil {
		t.Error("no release.recovering")
	}
	c := f.callList()
	if index(c, "recover trident") > index(c, "apply start trident") {
		t.Errorf("recover after apply: %v", c)
	}
	if e := rec.release("trident", ReleaseStarted); e == nil || e.Action != ActionUpgrade {
		t.Errorf("trident started = %+v", e)
	}
}

func TestStallWarnsThenFailsNamingBlocker(t *testing.T) {
	f := newFake()
	f.watch["harbor"] = []model.ObjectStatus{{State: model.InProgress, Ready: 0, Desired: 1}}
	f.blocker = &model.Blocker{Ref: model.ObjectRef{Kind: "Pod", Name: "harbor-registry-7c9"}, Phase: "Pending", Reason: "FailedScheduling", Message: "0/3 nodes are available"}
	var rec recorder
	dir := t.TempDir()
	start := time.Now()
	sum, err := New(f, Options{StallAfter: 300 * time.Millisecond, BundleDir: dir}).Run(context.Background(), &render.Plan{Releases: []render.Release{rel("harbor")}}, rec.sink)
	if !errors.Is(err, ErrFailed) {
		t.Fatalf("err = %v", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("failed after %s, want about the stall window", el)
	}
	st := rec.release("harbor", ReleaseStalled)
	if st == nil || st.Blocker == nil || st.StalledFor < 100*time.Millisecond {
		t.Fatalf("stalled = %+v", st)
	}
	fe := rec.release("harbor", ReleaseFailed)
	want := "Pod harbor-registry-7c9 Pending: FailedScheduling 0/3 nodes are available"
	if fe == nil || !strings.Contains(fe.Error, want) || fe.Blocker == nil {
		t.Fatalf("failed = %+v, want error naming %q", fe, want)
	}
	if !strings.Contains(sum.Cause, want) {
		t.Errorf("cause %q", sum.Cause)
	}
	pf := rec.of(PlanFailed)
	if len(pf) != 1 || pf[0].BundlePath == "" {
		t.Fatalf("plan.failed = %+v", pf)
	}
	info, err := os.Stat(pf[0].BundlePath)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("bundle %v mode %v", err, info.Mode().Perm())
	}
}

func TestTimeoutWithoutBlockerNamesWaiting(t *testing.T) {
	f := newFake()
	f.watch["harbor"] = []model.ObjectStatus{{State: model.InProgress, Ready: 1, Desired: 3, Message: "Ready: 1/3"}}
	var rec recorder
	_, err := New(f, Options{StallAfter: time.Hour, Timeout: 200 * time.Millisecond, BundleDir: t.TempDir()}).Run(context.Background(), &render.Plan{Releases: []render.Release{rel("harbor")}}, rec.sink)
	if err == nil || !strings.Contains(err.Error(), "Deployment harbor in-progress 1/3") || !strings.Contains(err.Error(), "--timeout") {
		t.Fatalf("err = %v, want the waiting Deployment named", err)
	}
}

func TestInterrupted(t *testing.T) {
	f := newFake()
	started := make(chan struct{})
	f.block["minio"] = started
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-started; cancel() }()
	var rec recorder
	sum, err := New(f, Options{ReplayCommand: "harbor-installer install --answers a.yaml --yes"}).Run(ctx, graphPlan(), rec.sink)
	if !errors.Is(err, ErrInterrupted) {
		t.Fatalf("err = %v", err)
	}
	pi := rec.of(PlanInterrupted)
	if len(pi) != 1 || pi[0].Summary.ResumeCommand != "harbor-installer install --answers a.yaml --yes" || !strings.Contains(pi[0].Message, "trident") {
		t.Fatalf("plan.interrupted = %+v", pi)
	}
	if index(f.callList(), "apply cancelled minio") < 0 {
		t.Error("in-flight apply not cancelled")
	}
	if rec.release("velero", ReleaseSkipped) == nil {
		t.Error("velero not skipped")
	}
	if len(rec.of(PlanFailed)) != 0 {
		t.Error("an interrupted run reported plan.failed")
	}
	if sum.Releases[0].Outcome != OutcomeReady {
		t.Errorf("trident %s", sum.Releases[0].Outcome)
	}
}

func TestAtomicRollsBackAfterEvidence(t *testing.T) {
	f := newFake()
	f.releases["harbor"] = &model.ReleaseState{Name: "harbor", Namespace: "harbor", Status: model.ReleaseDeployed, Revision: 1, LastDeployed: 1, ChartVersion: "0.9.0"}
	f.watch["harbor"] = []model.ObjectStatus{{State: model.Failed, Message: "ProgressDeadlineExceeded"}}
	f.watch["minio"] = []model.ObjectStatus{{State: model.Failed, Message: "ProgressDeadlineExceeded"}}
	p := &render.Plan{Namespaces: []string{"harbor"}, Releases: []render.Release{rel("harbor"), rel("minio")}}
	_, err := New(f, Options{Atomic: true, BundleDir: t.TempDir()}).Run(context.Background(), p, nil)
	if !errors.Is(err, ErrFailed) {
		t.Fatal(err)
	}
	c := f.callList()
	ev, rb, un := index(c, "evidence harbor"), index(c, "rollback harbor"), index(c, "uninstall minio")
	if ev < 0 || rb < 0 || ev > rb {
		t.Errorf("want evidence before rollback: %v", c)
	}
	if un < 0 || un < ev {
		t.Errorf("minio never deployed: want uninstall after evidence: %v", c)
	}
	// Without --atomic nothing is rolled back.
	f = newFake()
	f.watch["harbor"] = []model.ObjectStatus{{State: model.Failed}}
	New(f, Options{BundleDir: t.TempDir()}).Run(context.Background(), p, nil)
	if index(f.callList(), "rollback") >= 0 || index(f.callList(), "uninstall") >= 0 {
		t.Errorf("rolled back without --atomic: %v", f.callList())
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	f := newFake()
	var rec recorder
	sum, err := New(f, Options{DryRun: true}).Run(context.Background(), graphPlan(), rec.sink)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.ns) != 0 || len(f.releases) != 0 || len(f.applies) != 0 {
		t.Errorf("dry run changed the cluster: ns %v releases %v secrets %d", f.ns, f.releases, len(f.applies))
	}
	for _, s := range f.specs {
		if !s.DryRun {
			t.Errorf("%s applied without DryRun", s.Name)
		}
	}
	if len(rec.of(ReleasePlanned)) != 4 {
		t.Errorf("%d release.planned", len(rec.of(ReleasePlanned)))
	}
	for _, r := range sum.Releases {
		if r.Outcome != OutcomePlanned {
			t.Errorf("%s %s", r.Name, r.Outcome)
		}
	}
}

func TestValidateRefusesCyclesAndUnknownNeeds(t *testing.T) {
	p := &render.Plan{Releases: []render.Release{rel("a", "b"), rel("b", "a")}}
	if err := Validate(p); err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Errorf("cycle: %v", err)
	}
	p = &render.Plan{Releases: []render.Release{rel("a", "zz")}}
	if err := Validate(p); err == nil || !strings.Contains(err.Error(), "zz") {
		t.Errorf("unknown: %v", err)
	}
}

func TestEventJSONMilliseconds(t *testing.T) {
	e := Event{Type: ReleaseStalled, Elapsed: 1500 * time.Millisecond, StalledFor: 20 * time.Second,
		Summary: &Summary{Elapsed: 2 * time.Second, Releases: []ReleaseSummary{{Name: "h", Elapsed: 3 * time.Second}}}}
	b, err := e.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{`"elapsedMs":1500`, `"stalledForMs":20000`, `"elapsedMs":2000`, `"elapsedMs":3000`} {
		if !strings.Contains(s, want) {
			t.Errorf("%s lacks %s", s, want)
		}
	}
	var back Event
	if err := back.UnmarshalJSON(b); err != nil || back.Elapsed != e.Elapsed || back.StalledFor != e.StalledFor || back.Summary.Releases[0].Elapsed != 3*time.Second {
		t.Errorf("round trip: %+v %v", back, err)
	}
}

func TestSummaryPointsAtPasswordSecret(t *testing.T) {
	p := &render.Plan{
		Secrets:  []render.Secret{{Name: "harbor-admin-password", Namespace: "harbor", Keys: []render.SecretKey{{Key: "HARBOR_ADMIN_PASSWORD", From: render.Source{Kind: render.FromGenerated, Answer: AdminPasswordAnswer, Length: 24}}}}},
		Releases: []render.Release{rel("harbor")},
	}
	p.Releases[0].Values["externalURL"] = "https://registry.example.org"
	f := newFake()
	sum, err := New(f, Options{ReplayCommand: "harbor-installer install -f a.yaml --yes"}).Run(context.Background(), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := "kubectl -n harbor get secret harbor-admin-password -o jsonpath='{.data.HARBOR_ADMIN_PASSWORD}' | base64 -d"
	if sum.AdminPasswordCommand != want || sum.HarborURL != "https://registry.example.org" || sum.AdminUser != "admin" || sum.ReplayCommand == "" {
		t.Errorf("summary = %+v", sum)
	}
	pw := string(f.secrets["harbor/harbor-admin-password"].Data["HARBOR_ADMIN_PASSWORD"])
	if len(pw) != 24 || strings.Contains(want, pw) {
		t.Errorf("generated password %d chars", len(pw))
	}
}

func TestBundleRedactsSecrets(t *testing.T) {
	t.Setenv("T_LDAP_BIND", `bind"S3CRET<&>-4471`)
	p := &render.Plan{
		Namespaces: []string{"harbor"},
		Secrets: []render.Secret{{Name: "ldap", Namespace: "harbor", Keys: []render.SecretKey{
			{Key: "bind", From: render.Source{Kind: render.FromAnswer, Answer: "ldap.bindPassword", SecretRef: answers.NewSecretRef("env:T_LDAP_BIND")}},
			{Key: "config", From: render.Source{Kind: render.FromTemplate, Template: `{"pw":{{json .pw}},"db":"{{.db}}"}`, Inputs: map[string]render.Source{
				"pw": {Kind: render.FromSecretKey, Secret: "harbor/ldap", Key: "bind"},
				"db": {Kind: render.FromSecretKey, Secret: "harbor/ldap", Key: "dbpw"},
			}}},
			{Key: "dbpw", From: render.Source{Kind: render.FromGenerated, Length: 20}},
		}}},
		Releases: []render.Release{rel("harbor")},
	}
	f := newFake()
	res, err := ResolveSecrets(context.Background(), f, p)
	if err != nil {
		t.Fatal(err)
	}
	values := res.Values()
	if len(values) < 3 {
		t.Fatalf("resolver reported %d values", len(values))
	}
	// The backend quotes every form of every value in what it gathers; the
	// generated one is read back from the first resolution.
	f.secrets["harbor/ldap"] = &model.SecretState{Labels: map[string]string{}, Annotations: map[string]string{}, Data: map[string][]byte{}}
	for _, s := range res.Secrets {
		for k, v := range s.Spec.Data {
			f.secrets["harbor/ldap"].Data[k] = v
		}
	}
	var leak []string
	for _, v := range values {
		leak = append(leak, v, base64.StdEncoding.EncodeToString([]byte(v)))
	}
	f.evidence["harbor"] = &model.Evidence{Namespace: "harbor", Events: leak, Logs: map[string][]string{"core/core": leak}}
	f.applyErr["harbor"] = errors.New("render failed near " + values[len(values)-1])
	var rec recorder
	_, err = New(f, Options{BundleDir: t.TempDir()}).Run(context.Background(), p, rec.sink)
	if err == nil {
		t.Fatal("want failure")
	}
	pf := rec.of(PlanFailed)[0]
	b, rerr := os.ReadFile(pf.BundlePath)
	if rerr != nil {
		t.Fatal(rerr)
	}
	for _, v := range values {
		for _, form := range []string{v, base64.StdEncoding.EncodeToString([]byte(v)), jsonEscaped(v)} {
			if strings.Contains(string(b), form) {
				t.Errorf("bundle holds a secret value (form %q...)", form[:3])
			}
			if strings.Contains(err.Error(), form) {
				t.Error("error holds a secret value")
			}
			for _, e := range rec.events {
				j, _ := e.MarshalJSON()
				if strings.Contains(string(j), form) {
					t.Errorf("event %s holds a secret value", e.Type)
				}
			}
		}
	}
	if !strings.Contains(string(b), Redacted) || !strings.Contains(string(b), "evidence") {
		t.Error("bundle has no redactions or no evidence")
	}
}

func TestUnchangedButNotReadyFails(t *testing.T) {
	f := newFake()
	p := &render.Plan{Releases: []render.Release{rel("harbor")}}
	if _, err := New(f, Options{}).Run(context.Background(), p, nil); err != nil {
		t.Fatal(err)
	}
	f.watch["harbor"] = []model.ObjectStatus{{State: model.InProgress, Ready: 0, Desired: 1, Message: "Ready: 0/1"}}
	f.blocker = &model.Blocker{Ref: model.ObjectRef{Kind: "Pod", Name: "harbor-7c9"}, Phase: "CrashLoopBackOff", LogTail: []string{"panic: boom"}}
	var rec recorder
	_, err := New(f, Options{StallAfter: 150 * time.Millisecond, BundleDir: t.TempDir()}).Run(context.Background(), p, rec.sink)
	if err == nil || !strings.Contains(err.Error(), "Pod harbor-7c9 CrashLoopBackOff") {
		t.Fatalf("err = %v, want the crashing pod named", err)
	}
	if rec.release("harbor", ReleaseUnchanged) == nil || rec.release("harbor", ReleaseFailed) == nil {
		t.Error("want release.unchanged then release.failed")
	}
}

func TestStallInsideHelmCancelsIt(t *testing.T) {
	f := newFake()
	f.block["harbor"] = make(chan struct{}) // a hook that never completes
	f.watch["harbor"] = []model.ObjectStatus{{State: model.InProgress, Ready: 0, Desired: 1}}
	f.blocker = &model.Blocker{Ref: model.ObjectRef{Kind: "Pod", Name: "harbor-core-1"}, Phase: "ImagePullBackOff", Reason: "Failed", Message: "pull access denied"}
	var rec recorder
	_, err := New(f, Options{StallAfter: 200 * time.Millisecond, BundleDir: t.TempDir()}).Run(context.Background(), &render.Plan{Releases: []render.Release{rel("harbor")}}, rec.sink)
	if err == nil || !strings.Contains(err.Error(), "Pod harbor-core-1 ImagePullBackOff: Failed pull access denied") {
		t.Fatalf("err = %v", err)
	}
	if index(f.callList(), "apply cancelled harbor") < 0 {
		t.Error("the stalled Helm operation was not cancelled")
	}
	if len(rec.of(ObjectProgress)) == 0 {
		t.Error("no progress shown while Helm ran")
	}
	// The manifest's objects, reported by OnStart, are watched at once.
	f = newFake()
	f.block["harbor"] = make(chan struct{})
	f.manifest["harbor"] = []model.ObjectRef{{APIVersion: "apps/v1", Kind: "StatefulSet", Namespace: "harbor", Name: "harbor-redis"}}
	f.watch["harbor-redis"] = []model.ObjectStatus{{State: model.InProgress, Ready: 0, Desired: 1}}
	rec = recorder{}
	New(f, Options{StallAfter: 200 * time.Millisecond, BundleDir: t.TempDir()}).Run(context.Background(), &render.Plan{Releases: []render.Release{rel("harbor")}}, rec.sink)
	seen := false
	for _, e := range rec.of(ObjectProgress) {
		seen = seen || e.Object.Name == "harbor-redis"
	}
	if !seen {
		t.Error("objects reported by OnStart were not watched while Helm ran")
	}
}

func TestWatchTargetsHooks(t *testing.T) {
	r := rel("minio")
	ts := WatchTargets(&r, []model.ObjectRef{{APIVersion: "v1", Kind: "ConfigMap", Name: "c"}, {APIVersion: "v1", Kind: "PersistentVolumeClaim", Name: "data"}},
		model.ObjectRef{APIVersion: "batch/v1", Kind: "Job", Name: "minio-post-job"})
	if len(ts) != 3 || ts[1].Ref.Namespace != "minio" || !ts[2].Hook || !ts[2].Optional {
		t.Errorf("targets %+v", ts)
	}
}
