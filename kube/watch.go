package kube

import (
	"context"
	"fmt"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"

	"github.com/harbor-installer/harbor-installer/kube/model"
)

// crdGVR is where CustomResourceDefinitions live: watched while a target's
// kind is not served yet, so its watch starts the moment its CRD appears.
var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// Watch reports the readiness of targets to update: first the current state
// of every target, in order, then each change, until ctx ends (it then
// returns nil). Each target gets an informer limited to its name by a field
// selector, so nothing is polled and every change arrives as it happens.
// update is never called concurrently; it must return quickly and must not
// call Watch's backend from within. A target whose kind the cluster does not
// serve yet stays Pending until its CRD is established (a CRD informer
// watches for it). Watch returns an error when a watch cannot be set up
// (RBAC refuses it, say).
func (b *Backend) Watch(ctx context.Context, targets []model.WatchTarget, update func(model.ObjectStatus)) error {
	w := &watcher{b: b, targets: targets, update: update, states: make([]watchState, len(targets)), errs: make(chan error, 1)}
	return w.run(ctx)
}

type watchState struct {
	store   cache.Store // nil until the target's informer runs
	existed bool
	last    model.ObjectStatus
	emitted bool
}

type watcher struct {
	b       *Backend
	targets []model.WatchTarget
	update  func(model.ObjectStatus)
	errs    chan error

	mu      sync.Mutex
	started bool
	states  []watchState
}

func (w *watcher) run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var synced []cache.InformerSynced
	pending := false
	for i := range w.targets {
		m, err := w.b.mapping(w.targets[i].Ref)
		if err != nil {
			pending = true
			continue
		}
		synced = append(synced, w.startTarget(ctx, i, m.Resource))
	}
	if pending {
		synced = append(synced, w.startCRDWatch(ctx))
	}
	if err := w.waitSynced(ctx, synced...); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	w.mu.Lock()
	w.started = true
	for i := range w.targets {
		w.emitLocked(i, true)
	}
	w.mu.Unlock()
	select {
	case <-ctx.Done():
		return nil
	case err := <-w.errs:
		return err
	}
}

// waitSynced waits for informers' first list, or the first error of a
// watch that cannot be set up.
func (w *watcher) waitSynced(ctx context.Context, synced ...cache.InformerSynced) error {
	ok := make(chan bool, 1)
	go func() { ok <- cache.WaitForCacheSync(ctx.Done(), synced...) }()
	select {
	case <-ok:
		return nil
	case err := <-w.errs:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// startTarget runs an informer on one object (by namespace and name).
func (w *watcher) startTarget(ctx context.Context, i int, gvr schema.GroupVersionResource) cache.InformerSynced {
	ref := w.targets[i].Ref
	inf := dynamicinformer.NewFilteredDynamicInformer(w.b.watchDyn, gvr, ref.Namespace, 0, cache.Indexers{},
		func(o *metav1.ListOptions) { o.FieldSelector = "metadata.name=" + ref.Name })
	si := inf.Informer()
	w.watchErrors(si, describeRef(ref))
	_, _ = si.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { w.changed(i, true) },
		UpdateFunc: func(_, _ any) { w.changed(i, true) },
		DeleteFunc: func(any) { w.changed(i, true) },
	})
	w.mu.Lock()
	w.states[i].store = si.GetStore()
	w.mu.Unlock()
	go si.RunWithContext(ctx)
	return si.HasSynced
}

// watchErrors turns a refused list or watch into Watch's error; other
// watch errors (a dropped connection) are retried by the informer.
func (w *watcher) watchErrors(si cache.SharedIndexInformer, what string) {
	_ = si.SetWatchErrorHandlerWithContext(func(_ context.Context, _ *cache.Reflector, err error) {
		w.b.opts.Logf("watch %s: %v", what, err)
		if isRefused(err) {
			select {
			case w.errs <- fmt.Errorf("watch %s: %w", what, err):
			default:
			}
		}
	})
}

// startCRDWatch watches CRDs; when one is established, targets whose kind
// was unknown get their informer.
func (w *watcher) startCRDWatch(ctx context.Context) cache.InformerSynced {
	inf := dynamicinformer.NewFilteredDynamicInformer(w.b.watchDyn, crdGVR, "", 0, cache.Indexers{}, nil)
	si := inf.Informer()
	w.watchErrors(si, "CustomResourceDefinitions")
	check := func(obj any) {
		u, ok := obj.(*unstructured.Unstructured)
		if !ok || !crdEstablished(u) {
			return
		}
		w.b.resetMapper()
		for i := range w.targets {
			w.mu.Lock()
			has := w.states[i].store != nil
			w.mu.Unlock()
			if has {
				continue
			}
			m, err := w.b.mapping(w.targets[i].Ref)
			if err != nil {
				continue
			}
			synced := w.startTarget(ctx, i, m.Resource)
			go func(i int) {
				if cache.WaitForCacheSync(ctx.Done(), synced) {
					w.changed(i, false)
				}
			}(i)
		}
	}
	_, _ = si.AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: check, UpdateFunc: func(_, n any) { check(n) }})
	go si.RunWithContext(ctx)
	return si.HasSynced
}

func crdEstablished(u *unstructured.Unstructured) bool {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		if m, ok := c.(map[string]any); ok && m["type"] == "Established" && m["status"] == "True" {
			return true
		}
	}
	return false
}

// changed reports target i's state if it changed. The informer's store is
// updated before handlers run, so reading it gives the newest state; events
// before the first report are folded into it. seen says the object existed
// (the handler had it), even if the store has already dropped it.
func (w *watcher) changed(i int, seen bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if seen {
		w.states[i].existed = true
	}
	if !w.started {
		return
	}
	w.emitLocked(i, false)
}

func (w *watcher) emitLocked(i int, force bool) {
	s := &w.states[i]
	t := w.targets[i]
	var u *unstructured.Unstructured
	if s.store != nil {
		if obj, ok, err := s.store.GetByKey(storeKey(t.Ref)); err == nil && ok {
			u, _ = obj.(*unstructured.Unstructured)
		}
	}
	if u != nil {
		s.existed = true
	}
	st := readiness(t, u, s.existed, time.Now())
	if !force && s.emitted && sameStatus(s.last, st) {
		return
	}
	s.last, s.emitted = st, true
	w.update(st)
}

func storeKey(r model.ObjectRef) string {
	if r.Namespace == "" {
		return r.Name
	}
	return r.Namespace + "/" + r.Name
}

func sameStatus(a, b model.ObjectStatus) bool {
	return a.State == b.State && a.Ready == b.Ready && a.Desired == b.Desired && a.Message == b.Message
}
