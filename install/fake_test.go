package install

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/harbor-installer/harbor-installer/kube/model"
)

// fakeBackend is an in-memory cluster and Helm: releases deploy at once,
// watched objects turn ready after a scripted delay, everything is logged.
type fakeBackend struct {
	mu       sync.Mutex
	ns       map[string]bool
	secrets  map[string]*model.SecretState
	applies  []model.SecretSpec
	releases map[string]*model.ReleaseState
	objects  []map[string]any
	calls    []string
	// applyDelay per release; applyErr fails it; block makes Apply wait
	// for ctx (an interrupted run).
	applyDelay map[string]time.Duration
	applyErr   map[string]error
	block      map[string]chan struct{}
	// manifest lists the objects each release's Apply returns.
	manifest map[string][]model.ObjectRef
	// watch scripts the statuses of an object; default: ready at once.
	watch    map[string][]model.ObjectStatus
	readyIn  time.Duration
	blocker  *model.Blocker
	evidence map[string]*model.Evidence
	// active counts Applies in flight; maxActive the most at once.
	active, maxActive int
	specs             []model.ReleaseSpec
}

func newFake() *fakeBackend {
	return &fakeBackend{
		ns: map[string]bool{}, secrets: map[string]*model.SecretState{}, releases: map[string]*model.ReleaseState{},
		applyDelay: map[string]time.Duration{}, applyErr: map[string]error{}, block: map[string]chan struct{}{},
		manifest: map[string][]model.ObjectRef{}, watch: map[string][]model.ObjectStatus{}, evidence: map[string]*model.Evidence{},
	}
}

func (f *fakeBackend) log(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

func (f *fakeBackend) callList() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeBackend) EnsureNamespace(_ context.Context, name string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	created := !f.ns[name]
	f.ns[name] = true
	return created, nil
}

func (f *fakeBackend) GetSecret(_ context.Context, ns, name string) (*model.SecretState, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.secrets[ns+"/"+name]
	if !ok {
		return nil, false, nil
	}
	cp := &model.SecretState{Type: s.Type, Labels: map[string]string{}, Annotations: map[string]string{}, Data: map[string][]byte{}}
	for k, v := range s.Labels {
		cp.Labels[k] = v
	}
	for k, v := range s.Annotations {
		cp.Annotations[k] = v
	}
	for k, v := range s.Data {
		cp.Data[k] = append([]byte(nil), v...)
	}
	return cp, true, nil
}

func (f *fakeBackend) ApplySecret(_ context.Context, s model.SecretSpec) error {
	f.log("secret %s/%s", s.Namespace, s.Name)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.applies = append(f.applies, s)
	st := f.secrets[s.Namespace+"/"+s.Name]
	if st == nil {
		st = &model.SecretState{Labels: map[string]string{}, Annotations: map[string]string{}, Data: map[string][]byte{}}
		f.secrets[s.Namespace+"/"+s.Name] = st
	}
	st.Type = s.Type
	for k, v := range s.Labels {
		st.Labels[k] = v
	}
	for k, v := range s.Annotations {
		st.Annotations[k] = v
	}
	for k, v := range s.Data {
		st.Data[k] = v
	}
	return nil
}

func (f *fakeBackend) DeleteSecret(_ context.Context, ns, name string) error {
	f.log("delete secret %s/%s", ns, name)
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.secrets, ns+"/"+name)
	return nil
}

func (f *fakeBackend) ApplyObject(_ context.Context, obj map[string]any, dryRun bool) error {
	meta := obj["metadata"].(map[string]any)
	f.log("object %s %s", obj["kind"], meta["name"])
	f.mu.Lock()
	defer f.mu.Unlock()
	f.objects = append(f.objects, obj)
	return nil
}

func (f *fakeBackend) Blocker(_ context.Context, _ []model.WatchTarget) (*model.Blocker, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.blocker, nil
}

func (f *fakeBackend) Evidence(_ context.Context, ns string) (*model.Evidence, error) {
	f.log("evidence %s", ns)
	f.mu.Lock()
	defer f.mu.Unlock()
	if e := f.evidence[ns]; e != nil {
		return e, nil
	}
	return &model.Evidence{Namespace: ns, Events: []string{"Normal Scheduled pod x"}}, nil
}

func (f *fakeBackend) State(_ context.Context, ns, name string) (*model.ReleaseState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s := f.releases[name]; s != nil {
		cp := *s
		return &cp, nil
	}
	return &model.ReleaseState{Name: name, Namespace: ns}, nil
}

func (f *fakeBackend) Apply(ctx context.Context, spec model.ReleaseSpec) (*model.ReleaseResult, error) {
	f.log("apply start %s upgrade=%v", spec.Name, spec.Upgrade)
	f.mu.Lock()
	f.specs = append(f.specs, spec)
	f.active++
	if f.active > f.maxActive {
		f.maxActive = f.active
	}
	delay, err, block := f.applyDelay[spec.Name], f.applyErr[spec.Name], f.block[spec.Name]
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.active--
		f.mu.Unlock()
	}()
	if spec.OnStart != nil {
		spec.OnStart(model.ReleaseResult{Revision: 1, Objects: f.manifest[spec.Name]})
	}
	if block != nil {
		close(block)
		<-ctx.Done()
		f.log("apply cancelled %s", spec.Name)
		return nil, ctx.Err()
	}
	time.Sleep(delay)
	if err != nil {
		return nil, err
	}
	if spec.DryRun {
		return &model.ReleaseResult{Objects: f.manifest[spec.Name]}, nil
	}
	f.mu.Lock()
	st := f.releases[spec.Name]
	if st == nil {
		st = &model.ReleaseState{Name: spec.Name, Namespace: spec.Namespace}
		f.releases[spec.Name] = st
	}
	st.Revision++
	st.Status = model.ReleaseDeployed
	st.LastDeployed = st.Revision
	st.ChartVersion = spec.Chart.Version
	st.Values = normalize(spec.Values).(map[string]any)
	rev := st.Revision
	f.mu.Unlock()
	f.log("apply done %s", spec.Name)
	return &model.ReleaseResult{Revision: rev, Objects: f.manifest[spec.Name]}, nil
}

func (f *fakeBackend) Recover(_ context.Context, ns, name string) error {
	f.log("recover %s", name)
	f.mu.Lock()
	defer f.mu.Unlock()
	st := f.releases[name]
	st.Status = model.ReleaseDeployed
	st.Revision++
	return nil
}

func (f *fakeBackend) Rollback(_ context.Context, ns, name string) error {
	f.log("rollback %s", name)
	return nil
}

func (f *fakeBackend) Uninstall(_ context.Context, ns, name string) error {
	f.log("uninstall %s", name)
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.releases, name)
	return nil
}

func (f *fakeBackend) Watch(ctx context.Context, targets []model.WatchTarget, update func(model.ObjectStatus)) error {
	f.mu.Lock()
	delay := f.readyIn
	f.mu.Unlock()
	for _, t := range targets {
		f.mu.Lock()
		script, ok := f.watch[t.Ref.Name]
		f.mu.Unlock()
		if ok {
			go func(t model.WatchTarget) {
				for _, s := range script {
					s.Ref = t.Ref
					select {
					case <-ctx.Done():
						return
					case <-time.After(delay):
					}
					update(s)
				}
			}(t)
			continue
		}
		go func(t model.WatchTarget) {
			update(model.ObjectStatus{Ref: t.Ref, State: model.InProgress, Ready: 0, Desired: 1})
			select {
			case <-ctx.Done():
				return
			case <-time.After(delay):
			}
			update(model.ObjectStatus{Ref: t.Ref, State: model.Ready, Ready: 1, Desired: 1})
		}(t)
	}
	<-ctx.Done()
	return nil
}
