package ui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/install"
	"github.com/harbor-installer/harbor-installer/kube"
	"github.com/harbor-installer/harbor-installer/render"
	"github.com/harbor-installer/harbor-installer/steps"
)

// fakeCluster answers like a small three-zone cluster, or not at all.
type fakeCluster struct{ down bool }

func (f fakeCluster) Probe(_ context.Context, _, kctx string) ClusterInfo {
	if f.down {
		return ClusterInfo{Err: errors.New("API server https://127.0.0.1:6443: connection refused")}
	}
	if kctx == "" {
		kctx = "kind-harbor"
	}
	return ClusterInfo{Context: kctx, Server: "https://127.0.0.1:6443", Version: "v1.37.0"}
}

func (f fakeCluster) Contexts(string) ([]kube.KubeContext, error) {
	return []kube.KubeContext{{Name: "kind-harbor", Server: "https://127.0.0.1:6443", Current: true}, {Name: "prod", Server: "https://10.0.0.1:6443"}}, nil
}

func (f fakeCluster) StorageClasses(context.Context, *answers.Answers) ([]kube.StorageClassInfo, error) {
	return []kube.StorageClassInfo{
		{Name: "gp3", Provisioner: "ebs.csi.aws.com", Default: true, AccessModes: []string{"ReadWriteOnce"}},
		{Name: "ontap-nas", Provisioner: "csi.trident.netapp.io", AccessModes: []string{"ReadWriteMany", "ReadWriteOnce"}},
	}, nil
}

func (f fakeCluster) TLSSecrets(context.Context, *answers.Answers) ([]kube.TLSSecretInfo, error) {
	return []kube.TLSSecretInfo{{Name: "harbor-tls", DNSNames: []string{"registry.example.org"}, NotAfter: testNow.Add(90 * 24 * time.Hour)}}, nil
}

func (f fakeCluster) IngressClasses(context.Context, *answers.Answers) ([]kube.IngressClassInfo, error) {
	return []kube.IngressClassInfo{{Name: "nginx", Controller: "k8s.io/ingress-nginx", Default: true}}, nil
}

func (f fakeCluster) NodeZones(context.Context, *answers.Answers) ([]kube.ZoneInfo, error) {
	return []kube.ZoneInfo{{Name: "zone-a", Nodes: 2}, {Name: "zone-b", Nodes: 2}, {Name: "zone-c", Nodes: 2}}, nil
}

// fakeChecker fails the domain step while the domain does not resolve
// (names under .test) and passes the rest; it counts calls.
type fakeChecker struct {
	mu    sync.Mutex
	calls map[string]int
}

func (c *fakeChecker) Check(_ context.Context, s steps.Step, a *answers.Answers) []steps.Finding {
	c.mu.Lock()
	if c.calls == nil {
		c.calls = map[string]int{}
	}
	c.calls[s.Name]++
	c.mu.Unlock()
	if s.Name == "domain" {
		if strings.HasSuffix(a.Harbor.Domain, ".test") {
			return []steps.Finding{{Key: "harbor.domain", Level: steps.Fail, Seen: a.Harbor.Domain + " does not resolve", Hint: "create a DNS record pointing at the ingress load balancer"}}
		}
		return []steps.Finding{{Key: "harbor.domain", Level: steps.OK, Seen: a.Harbor.Domain + " resolves to 10.0.0.50, the ingress load balancer"}}
	}
	return nil
}

func (c *fakeChecker) count(step string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[step]
}

// fakeInstaller plays a scripted run: it emits events, then waits until
// release (or ctx ends) before returning the summary.
type fakeInstaller struct {
	events  []install.Event
	sum     *install.Summary
	err     error
	release chan struct{}
}

func (f *fakeInstaller) Run(ctx context.Context, _ *answers.Answers, _ *render.Plan, emit func(install.Event)) (*install.Summary, error) {
	for _, ev := range f.events {
		emit(ev)
	}
	if f.release != nil {
		select {
		case <-f.release:
		case <-ctx.Done():
			return &install.Summary{ResumeCommand: "harbor-installer install --answers harbor-answers.yaml"}, ctx.Err()
		}
	}
	return f.sum, f.err
}

// fakeVerifier reports scripted findings, then waits for release (or ctx)
// before it returns them.
type fakeVerifier struct {
	findings []steps.Finding
	release  chan struct{}
	calls    int
	ctxErr   chan error
}

func (f *fakeVerifier) Verify(ctx context.Context, _ *answers.Answers, report func(steps.Finding)) ([]steps.Finding, error) {
	f.calls++
	for _, fd := range f.findings {
		report(fd)
	}
	if f.release != nil {
		select {
		case <-f.release:
		case <-ctx.Done():
			if f.ctxErr != nil {
				f.ctxErr <- ctx.Err()
			}
			return f.findings, ctx.Err()
		}
	}
	return f.findings, nil
}
