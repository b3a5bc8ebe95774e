package install

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/harbor-installer/harbor-installer/render"
)

// Defaults for Options left zero.
const (
	DefaultStallAfter = 60 * time.Second
	DefaultTimeout    = 15 * time.Minute
	DefaultAdminUser  = "admin"
)

// ErrInterrupted is returned (wrapped) by Run when ctx was cancelled: the
// caller exits 130 after the plan.interrupted event.
var ErrInterrupted = errors.New("install interrupted")

// ErrFailed is returned (wrapped) by Run when a release or step failed; the
// plan.failed event and the Summary carry the cause and the bundle path.
var ErrFailed = errors.New("install failed")

// Preflight is what the caller's live checks found; the engine only reports
// it (preflight.done), the checks themselves stay with the caller.
type Preflight struct {
	// Warnings counts the checks that warned.
	Warnings int
}

// Options tune a run. Zero values take the defaults.
type Options struct {
	// Timeout bounds each release (Helm's operation and the readiness wait).
	Timeout time.Duration
	// StallAfter fails a release when nothing progressed for this long; at
	// a third of it a release.stalled warning names the blocker.
	StallAfter time.Duration
	// DryRun renders against the cluster (server-side dry run) and changes
	// nothing: no namespace, Secret, release or object is written.
	DryRun bool
	// Atomic rolls a failed release back after the support bundle is saved.
	Atomic bool
	// Recover repairs releases left pending by a killed run.
	Recover bool
	// BundleDir receives the support bundle on failure (default: the
	// system's temporary directory).
	BundleDir string
	// ReplayCommand installs the same answers again; ResumeCommand
	// continues an interrupted run (default ReplayCommand).
	ReplayCommand string
	ResumeCommand string
	// AdminUser is Harbor's admin user name (default admin).
	AdminUser string
	// Preflight, when set, is reported as preflight.done after plan.started.
	Preflight *Preflight
	// Now is the clock (tests); default time.Now.
	Now func() time.Time
}

// Engine runs plans against one backend.
type Engine struct {
	b Backend
	o Options
}

// New returns an engine over backend with opts (zero fields defaulted).
func New(backend Backend, opts Options) *Engine {
	if opts.StallAfter <= 0 {
		opts.StallAfter = DefaultStallAfter
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.AdminUser == "" {
		opts.AdminUser = DefaultAdminUser
	}
	if opts.ResumeCommand == "" {
		opts.ResumeCommand = opts.ReplayCommand
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Engine{b: backend, o: opts}
}

// run is the state of one Run.
type run struct {
	e      *Engine
	plan   *render.Plan
	sink   func(Event)
	start  time.Time
	mu     sync.Mutex
	events []Event
	redact *redactor
	res    *Resolved
	rels   map[string]*releaseRun
}

// releaseRun is one release's progress through a run.
type releaseRun struct {
	rel      *render.Release
	done     chan struct{}
	outcome  ReleaseOutcome
	revision int
	elapsed  time.Duration
	err      error
	// applied: Helm made a revision in this run (an --atomic candidate);
	// lastDeployed is the revision to go back to (0: uninstall).
	applied      bool
	lastDeployed int
}

func (r *run) now() time.Time { return r.e.o.Now() }

// emit stamps, redacts, records and hands an event to the sink, one at a
// time (releases run concurrently; sinks need not lock).
func (r *run) emit(ev Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ev.Time = r.now()
	ev.Elapsed = ev.Time.Sub(r.start)
	ev = r.redact.event(ev)
	r.events = append(r.events, ev)
	if r.sink != nil {
		r.sink(ev)
	}
}

// Run executes plan: namespaces, Secrets, then the releases as a dependency
// graph, each followed by its plan objects, and reports every step to sink
// (which may be nil). It returns the run's Summary with a nil error when
// everything is installed, or wrapping ErrFailed or ErrInterrupted.
func (e *Engine) Run(ctx context.Context, plan *render.Plan, sink func(Event)) (*Summary, error) {
	r := &run{e: e, plan: plan, sink: sink, start: e.o.Now(), rels: map[string]*releaseRun{}}
	for i := range plan.Releases {
		rel := &plan.Releases[i]
		r.rels[rel.Name] = &releaseRun{rel: rel, done: make(chan struct{})}
	}
	infos := make([]ReleaseInfo, 0, len(plan.Releases))
	for _, rel := range plan.Releases {
		infos = append(infos, ReleaseInfo{Name: rel.Name, Namespace: rel.Namespace, Chart: rel.Chart.Name, Version: rel.Chart.Version, Needs: rel.Needs})
	}
	r.emit(Event{Type: PlanStarted, Releases: infos})
	if err := Validate(plan); err != nil {
		return r.fail(ctx, err)
	}
	if p := e.o.Preflight; p != nil {
		r.emit(Event{Type: PreflightDone, Message: fmt.Sprintf("live checks passed (%d warnings)", p.Warnings)})
	}
	if err := r.namespaces(ctx); err != nil {
		return r.stop(ctx, err)
	}
	if err := r.secrets(ctx); err != nil {
		return r.stop(ctx, err)
	}
	r.releases(ctx)
	return r.finish(ctx)
}

// stop ends a run that failed before the releases.
func (r *run) stop(ctx context.Context, err error) (*Summary, error) {
	if ctx.Err() != nil {
		return r.interrupted()
	}
	return r.fail(ctx, err)
}

// namespaces creates the plan's namespaces.
func (r *run) namespaces(ctx context.Context) error {
	for _, ns := range r.plan.Namespaces {
		if r.e.o.DryRun {
			r.emit(Event{Type: NamespaceReady, Namespace: ns, Message: "dry run: not created"})
			continue
		}
		created, err := r.e.b.EnsureNamespace(ctx, ns)
		if err != nil {
			return fmt.Errorf("namespace %s: %w", ns, err)
		}
		act := ActionExists
		if created {
			act = ActionCreated
		}
		r.emit(Event{Type: NamespaceReady, Namespace: ns, Action: act})
	}
	return nil
}

// secrets resolves and applies the plan's Secrets. From here on the
// redactor knows every value, so no event can carry one.
func (r *run) secrets(ctx context.Context) error {
	res, err := ResolveSecrets(ctx, r.e.b, r.plan)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.res = res
	r.redact = newRedactor(res.Values())
	r.mu.Unlock()
	for _, s := range res.Secrets {
		if s.apply && !r.e.o.DryRun {
			if err := r.e.b.ApplySecret(ctx, s.Spec); err != nil {
				return fmt.Errorf("apply secret %s: %w", s.ID, err)
			}
		}
		typ := map[SecretChange]EventType{SecretNew: SecretCreated, SecretUnchanged: SecretReused, SecretChanged: SecretUpdated}[s.Change]
		ev := Event{Type: typ, Secret: s.ID, Namespace: s.Spec.Namespace, Revision: s.Revision}
		switch {
		case r.e.o.DryRun && s.apply:
			ev.Message = "dry run: not applied"
		case s.Adopted:
			ev.Message = "kept by its chart; read back"
		}
		r.emit(ev)
	}
	return nil
}

// releases runs every release once its needs are ready; releases without a
// path between them run at the same time.
func (r *run) releases(ctx context.Context) {
	var wg sync.WaitGroup
	for i := range r.plan.Releases {
		rr := r.rels[r.plan.Releases[i].Name]
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(rr.done)
			r.afterNeeds(ctx, rr)
		}()
	}
	wg.Wait()
}

// afterNeeds waits for the release's needs, then runs it, or skips it when
// a need did not end ready or the run was interrupted.
func (r *run) afterNeeds(ctx context.Context, rr *releaseRun) {
	rel := rr.rel
	var open []string
	for _, n := range rel.Needs {
		select {
		case <-r.rels[n].done:
		default:
			open = append(open, n)
		}
	}
	if len(open) > 0 {
		r.emit(Event{Type: ReleaseWaiting, Release: rel.Name, Namespace: rel.Namespace, Needs: open})
	}
	for _, n := range rel.Needs {
		select {
		case <-r.rels[n].done:
		case <-ctx.Done():
		}
	}
	if ctx.Err() != nil {
		r.skip(rr, "interrupted before it started")
		return
	}
	for _, n := range rel.Needs {
		if o := r.rels[n].outcome; o != OutcomeReady && o != OutcomeUnchanged && o != OutcomePlanned {
			r.skip(rr, fmt.Sprintf("needs %s, which %s", n, map[ReleaseOutcome]string{OutcomeFailed: "failed", OutcomeSkipped: "was skipped"}[o]))
			return
		}
	}
	start := r.now()
	r.release(ctx, rr)
	rr.elapsed = r.now().Sub(start)
}

func (r *run) skip(rr *releaseRun, why string) {
	rr.outcome = OutcomeSkipped
	r.emit(Event{Type: ReleaseSkipped, Release: rr.rel.Name, Namespace: rr.rel.Namespace, Message: why})
}

// finish closes the run: plan.done, or a bundle and plan.failed, or
// plan.interrupted.
func (r *run) finish(ctx context.Context) (*Summary, error) {
	if ctx.Err() != nil {
		return r.interrupted()
	}
	var failed []string
	var cause error
	for _, rel := range r.plan.Releases {
		rr := r.rels[rel.Name]
		if rr.outcome == OutcomeFailed {
			failed = append(failed, rel.Name)
			if cause == nil {
				cause = rr.err
			}
		}
	}
	if cause != nil {
		if len(failed) > 1 {
			cause = fmt.Errorf("%w (also failed: %s)", cause, strings.Join(failed[1:], ", "))
		}
		return r.fail(ctx, cause)
	}
	s := r.summary()
	r.emit(Event{Type: PlanDone, Summary: s})
	return s, nil
}

// interrupted reports what finished and how to resume.
func (r *run) interrupted() (*Summary, error) {
	s := r.summary()
	s.ResumeCommand = r.e.o.ResumeCommand
	var done []string
	for _, rs := range s.Releases {
		if rs.Outcome == OutcomeReady || rs.Outcome == OutcomeUnchanged {
			done = append(done, rs.Name)
		}
	}
	msg := "interrupted; nothing finished"
	if len(done) > 0 {
		msg = "interrupted; finished: " + strings.Join(done, ", ")
	}
	r.emit(Event{Type: PlanInterrupted, Message: msg, Summary: s})
	return s, ErrInterrupted
}

// fail writes the support bundle, rolls back with --atomic, and reports.
func (r *run) fail(ctx context.Context, cause error) (*Summary, error) {
	// Evidence is gathered even when ctx ended: a short context of its own.
	ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	text := r.redact.String(cause.Error())
	s := r.summary()
	s.Cause = text
	s.ResumeCommand = r.e.o.ResumeCommand
	// The bundle comes first: --atomic's rollback would replace the
	// failing pods and their events.
	path, berr := r.writeBundle(ectx, text)
	s.BundlePath = path
	if r.e.o.Atomic && !r.e.o.DryRun {
		r.rollback(ectx)
	}
	ev := Event{Type: PlanFailed, Error: text, BundlePath: path, Summary: s}
	if berr != nil {
		ev.Message = "support bundle not written: " + berr.Error()
	}
	r.emit(ev)
	return s, fmt.Errorf("%w: %s", ErrFailed, text)
}

// rollback returns each release that failed after Helm made a revision to
// its last deployed revision, or uninstalls it when it never deployed.
func (r *run) rollback(ctx context.Context) {
	for _, rel := range r.plan.Releases {
		rr := r.rels[rel.Name]
		if rr.outcome != OutcomeFailed || !rr.applied {
			continue
		}
		var err error
		what := "rolled back to revision " + fmt.Sprint(rr.lastDeployed)
		if rr.lastDeployed > 0 {
			err = r.e.b.Rollback(ctx, rel.Namespace, rel.Name)
		} else {
			what = "uninstalled (it never deployed)"
			err = r.e.b.Uninstall(ctx, rel.Namespace, rel.Name)
		}
		ev := Event{Type: ReleaseFailed, Release: rel.Name, Namespace: rel.Namespace, Message: "--atomic: " + what}
		if err != nil {
			ev.Message = "--atomic: rollback failed"
			ev.Error = err.Error()
		}
		r.emit(ev)
	}
}

// Validate checks the plan's graph: every need and object names a release,
// no release needs itself through a cycle, and every SecretRollout names a
// Secret of the plan.
func Validate(plan *render.Plan) error {
	rels := map[string]*render.Release{}
	for i := range plan.Releases {
		rels[plan.Releases[i].Name] = &plan.Releases[i]
	}
	secrets := map[string]bool{}
	for _, s := range plan.Secrets {
		secrets[s.Namespace+"/"+s.Name] = true
	}
	for _, rel := range plan.Releases {
		for _, n := range rel.Needs {
			if rels[n] == nil {
				return fmt.Errorf("release %s needs %s, which is not in the plan", rel.Name, n)
			}
		}
		for _, ro := range rel.SecretRollouts {
			for _, s := range ro.Secrets {
				if !secrets[s] {
					return fmt.Errorf("release %s: secretRollout %s names %s, which is not a Secret of the plan", rel.Name, ro.Path, s)
				}
			}
		}
	}
	for _, o := range plan.Objects {
		if rels[o.After] == nil {
			return fmt.Errorf("object %s %s: after %q, which is not a release of the plan", o.Kind, o.Name, o.After)
		}
	}
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(name string, path []string) error
	visit = func(name string, path []string) error {
		switch state[name] {
		case 1:
			return fmt.Errorf("releases need each other in a cycle: %s", strings.Join(append(path, name), " -> "))
		case 2:
			return nil
		}
		state[name] = 1
		for _, n := range rels[name].Needs {
			if err := visit(n, append(path, name)); err != nil {
				return err
			}
		}
		state[name] = 2
		return nil
	}
	names := make([]string, 0, len(rels))
	for n := range rels {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := visit(n, nil); err != nil {
			return err
		}
	}
	return nil
}
