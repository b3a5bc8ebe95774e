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

// wait watches targets until every one is ready. It warns (release.stalled,
// naming the blocker) when nothing progressed for a third of StallAfter, and
// fails naming the blocker at StallAfter or when the release's Timeout
// passes (deadline: the release's start plus Timeout, Helm's operation
// included): never a bare timeout.
func (r *run) wait(ctx context.Context, release, namespace string, targets []model.WatchTarget, deadline time.Time) error {
	if len(targets) == 0 {
		return nil
	}
	o := r.e.o
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	updates := make(chan model.ObjectStatus, 64)
	watchErr := make(chan error, 1)
	go func() {
		watchErr <- r.e.b.Watch(wctx, targets, func(s model.ObjectStatus) {
			select {
			case updates <- s:
			case <-wctx.Done():
			}
		})
	}()
	states := map[model.ObjectRef]model.ObjectStatus{}
	last := r.now()
	warned := false
	tick := time.NewTicker(checkEvery(min(o.StallAfter, o.Timeout)))
	defer tick.Stop()
	for {
		if allReady(targets, states) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-watchErr:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err == nil {
				err = errors.New("the watch ended")
			}
			return fmt.Errorf("watch %s: %w", describe(targets, states), err)
		case s := <-updates:
			prev, seen := states[s.Ref]
			states[s.Ref] = s
			if seen && prev.State == s.State && prev.Ready == s.Ready && prev.Desired == s.Desired {
				continue
			}
			last, warned = r.now(), false
			ref := s.Ref
			r.emit(Event{Type: ObjectProgress, Release: release, Namespace: namespace, Object: &ref, State: s.State, Ready: s.Ready, Desired: s.Desired, Message: s.Message})
			if s.State == model.Failed {
				b := r.blocker(ctx, targets)
				if b == nil {
					b = &model.Blocker{Ref: s.Ref, Phase: "Failed", Message: s.Message}
				}
				return &blockedError{what: fmt.Sprintf("%s failed", s.Ref), blocker: b}
			}
		case <-tick.C:
			now := r.now()
			stalled := now.Sub(last)
			switch {
			case !now.Before(deadline):
				return &blockedError{what: fmt.Sprintf("not ready after --timeout %s", o.Timeout), blocker: r.blocker(ctx, targets), waiting: describe(targets, states)}
			case stalled >= o.StallAfter:
				return &blockedError{what: fmt.Sprintf("no progress for %s (--stall-after)", o.StallAfter), blocker: r.blocker(ctx, targets), waiting: describe(targets, states)}
			case stalled >= o.StallAfter/3 && !warned:
				warned = true
				b := r.blocker(ctx, pending(targets, states))
				msg := "no progress; waiting on " + describe(targets, states)
				if b != nil {
					msg = "no progress: " + b.String()
				}
				r.emit(Event{Type: ReleaseStalled, Release: release, Namespace: namespace, Blocker: b, StalledFor: stalled, Message: msg})
			}
		}
	}
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
