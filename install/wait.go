package install

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/harbor-installer/harbor-installer/kube/model"
)

// blockedError is a failure that names the object holding a release back.
type blockedError struct {
	what    string
	blocker *model.Blocker
	// waiting describes the targets not ready when no blocker is known.
	waiting string
}

func (e *blockedError) Error() string {
	if e.blocker != nil {
		return e.what + ": " + e.blocker.String()
	}
	return e.what + ": waiting on " + e.waiting
}

// blockerOf returns the blocker a failure names, if any.
func blockerOf(err error) *model.Blocker {
	var be *blockedError
	if errors.As(err, &be) {
		return be.blocker
	}
	return nil
}

// applying is a Helm operation still running while the engine watches: a
// chart's post-install hook can wait on the release's own workloads, so
// Apply may return only once they are ready, and a stall must be named
// (and the operation cancelled) while it runs.
type applying struct {
	// what is "helm install" or "helm upgrade", for errors.
	what string
	done <-chan applyResult
	// started reports the revision's objects as soon as Helm stored it
	// (optional: a backend may only report them when Apply returns).
	started <-chan model.ReleaseResult
	cancel  func()
	// targets turns a result into what to watch.
	targets func(model.ReleaseResult) []model.WatchTarget
}

type applyResult struct {
	res *model.ReleaseResult
	err error
}

// watchUpdate is one report of a watch; gen tells which watch made it.
type watchUpdate struct {
	gen int
	s   model.ObjectStatus
}

type watchEnd struct {
	gen int
	err error
}

// wait watches targets until every one is ready and the Helm operation in
// ap (if any) has returned. It warns (release.stalled, naming the blocker)
// when nothing progressed for a third of StallAfter, and fails naming the
// blocker at StallAfter or at deadline (the release's start plus Timeout,
// Helm's operation included): never a bare timeout. A failure or ctx's end
// cancels the Helm operation and waits for it to stop, so that nothing is
// left pending.
func (r *run) wait(ctx context.Context, release, namespace string, targets []model.WatchTarget, deadline time.Time, ap *applying) (*model.ReleaseResult, error) {
	o := r.e.o
	updates := make(chan watchUpdate, 64)
	ended := make(chan watchEnd, 4)
	gen := 0
	stopWatch := func() {}
	defer func() { stopWatch() }()
	states := map[model.ObjectRef]model.ObjectStatus{}
	shown := map[model.ObjectRef]model.ObjectStatus{}
	startWatch := func(ts []model.WatchTarget) {
		stopWatch()
		gen++
		targets, states = ts, map[model.ObjectRef]model.ObjectStatus{}
		if len(ts) == 0 {
			stopWatch = func() {}
			return
		}
		wctx, cancel := context.WithCancel(ctx)
		stopWatch = cancel
		g := gen
		go func() {
			err := r.e.b.Watch(wctx, ts, func(s model.ObjectStatus) {
				select {
				case updates <- watchUpdate{g, s}:
				case <-wctx.Done():
				}
			})
			select {
			case ended <- watchEnd{g, err}:
			case <-wctx.Done():
			}
		}()
	}
	startWatch(targets)
	inFlight := ap != nil
	var res *model.ReleaseResult
	// abort stops the Helm operation and waits until it has.
	abort := func(err error) (*model.ReleaseResult, error) {
		if inFlight {
			ap.cancel()
			<-ap.done
		}
		return nil, err
	}
	last := r.now()
	warned := false
	tick := time.NewTicker(checkEvery(min(o.StallAfter, o.Timeout)))
	defer tick.Stop()
	for {
		if !inFlight && allReady(targets, states) {
			return res, nil
		}
		var done <-chan applyResult
		var started <-chan model.ReleaseResult
		if inFlight {
			done, started = ap.done, ap.started
		}
		select {
		case <-ctx.Done():
			return abort(ctx.Err())
		case sr := <-started:
			last, warned = r.now(), false
			startWatch(ap.targets(sr))
		case ar := <-done:
			inFlight = false
			if ar.err != nil {
				return nil, fmt.Errorf("%s: %w", ap.what, ar.err)
			}
			res = ar.res
			last, warned = r.now(), false
			// A fresh watch: states seen before Helm finished may describe
			// the previous revision's objects.
			startWatch(ap.targets(*res))
		case we := <-ended:
			if we.gen != gen {
				continue
			}
			if ctx.Err() != nil {
				return abort(ctx.Err())
			}
			err := we.err
			if err == nil {
				err = errors.New("the watch ended")
			}
			return abort(fmt.Errorf("watch %s: %w", describe(targets, states), err))
		case u := <-updates:
			if u.gen != gen {
				continue
			}
			s := u.s
			states[s.Ref] = s
			prev, seen := shown[s.Ref]
			if seen && prev.State == s.State && prev.Ready == s.Ready && prev.Desired == s.Desired {
				continue
			}
			shown[s.Ref] = s
			last, warned = r.now(), false
			ref := s.Ref
			r.emit(Event{Type: ObjectProgress, Release: release, Namespace: namespace, Object: &ref, State: s.State, Ready: s.Ready, Desired: s.Desired, Message: s.Message})
			if s.State == model.Failed {
				b := r.blocker(ctx, targets)
				if b == nil {
					b = &model.Blocker{Ref: s.Ref, Phase: "Failed", Message: s.Message}
				}
				return abort(&blockedError{what: fmt.Sprintf("%s failed", s.Ref), blocker: b})
			}
		case <-tick.C:
			now := r.now()
			stalled := now.Sub(last)
			switch {
			case !now.Before(deadline):
				return abort(&blockedError{what: fmt.Sprintf("not ready after --timeout %s", o.Timeout), blocker: r.blocker(ctx, targets), waiting: r.waiting(targets, states, inFlight)})
			case stalled >= o.StallAfter:
				return abort(&blockedError{what: fmt.Sprintf("no progress for %s (--stall-after)", o.StallAfter), blocker: r.blocker(ctx, targets), waiting: r.waiting(targets, states, inFlight)})
			case stalled >= o.StallAfter/3 && !warned:
				warned = true
				b := r.blocker(ctx, pending(targets, states))
				msg := "no progress; waiting on " + r.waiting(targets, states, inFlight)
				if b != nil {
					msg = "no progress: " + b.String()
				}
				r.emit(Event{Type: ReleaseStalled, Release: release, Namespace: namespace, Blocker: b, StalledFor: stalled, Message: msg})
			}
		}
	}
}

// waiting says what a wait is on when no blocker is known.
func (r *run) waiting(targets []model.WatchTarget, states map[model.ObjectRef]model.ObjectStatus, inFlight bool) string {
	d := describe(targets, states)
	if inFlight {
		if d == "" {
			return "Helm's operation (its hooks)"
		}
		return "Helm's operation (its hooks) and " + d
	}
	return d
}

// checkEvery is how often stalls are checked: often enough to warn and
// fail close to their thresholds.
func checkEvery(window time.Duration) time.Duration {
	d := window / 12
	if d > time.Second {
		d = time.Second
	}
	if d < 5*time.Millisecond {
		d = 5 * time.Millisecond
	}
	return d
}

// blocker asks the backend what holds the targets back; a failure to find
// out is not the release's failure.
func (r *run) blocker(ctx context.Context, targets []model.WatchTarget) *model.Blocker {
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	b, err := r.e.b.Blocker(bctx, targets)
	if err != nil {
		return nil
	}
	return b
}

// done says whether one target counts as ready.
func done(t model.WatchTarget, s model.ObjectStatus, seen bool) bool {
	if !seen {
		return false
	}
	switch s.State {
	case model.Ready, model.Gone:
		return true
	case model.Pending:
		// A hook Job Helm already deleted, or an optional object never made.
		return t.Hook || t.Optional
	}
	return false
}

func allReady(targets []model.WatchTarget, states map[model.ObjectRef]model.ObjectStatus) bool {
	for _, t := range targets {
		s, seen := states[t.Ref]
		if !done(t, s, seen) {
			return false
		}
	}
	return true
}

func pending(targets []model.WatchTarget, states map[model.ObjectRef]model.ObjectStatus) []model.WatchTarget {
	var out []model.WatchTarget
	for _, t := range targets {
		s, seen := states[t.Ref]
		if !done(t, s, seen) {
			out = append(out, t)
		}
	}
	return out
}

// describe names the targets not ready yet and their states.
func describe(targets []model.WatchTarget, states map[model.ObjectRef]model.ObjectStatus) string {
	var parts []string
	for _, t := range pending(targets, states) {
		s, seen := states[t.Ref]
		switch {
		case !seen:
			parts = append(parts, t.Ref.String()+" (no status yet)")
		case s.Desired > 0:
			parts = append(parts, fmt.Sprintf("%s %s %d/%d", t.Ref, s.State, s.Ready, s.Desired))
		default:
			parts = append(parts, fmt.Sprintf("%s %s", t.Ref, s.State))
		}
		if seen && s.Message != "" {
			parts[len(parts)-1] += ": " + s.Message
		}
	}
	return strings.Join(parts, ", ")
}
