package verify_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/steps"
	"github.com/harbor-installer/harbor-installer/verify"
)

type nodeList struct {
	nodes []corev1.Node
	err   error
}

func (n nodeList) Nodes(context.Context) ([]corev1.Node, error) { return n.nodes, n.err }

func node(name string, fake bool) corev1.Node {
	n := corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if fake {
		n.Annotations = map[string]string{verify.FakeNodeAnnotation: "fake"}
	}
	return n
}

// closingHarbor is a loopback listener standing where externalURL resolves
// to: it counts connections and closes each, so a check that runs fails
// fast and one that does not run is seen not to.
func closingHarbor(t *testing.T) (string, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var n atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			c.Close()
		}
	}()
	return ln.Addr().String(), &n
}

func afterOpts(t *testing.T, addr string, nodes verify.NodeLister) (*answers.Answers, verify.Options) {
	t.Helper()
	t.Setenv("T_AFTER_ADMIN", "after-admin-S3CRET")
	l, err := answers.Load(answers.Options{Preset: "dev", File: "answers.yaml", Data: []byte("version: 1\nharbor:\n  domain: registry.example.org\n  adminPassword: env:T_AFTER_ADMIN\n")})
	if err != nil {
		t.Fatal(err)
	}
	return &l.Answers, verify.Options{Timeout: 2 * time.Second, HealthWait: time.Second, Poll: 50 * time.Millisecond,
		Resolve: map[string]string{"registry.example.org": addr}, Nodes: nodes, SecretsDir: t.TempDir()}
}

func TestAfterInstallSimulatedClusterWarnsOnly(t *testing.T) {
	addr, hits := closingHarbor(t)
	cases := map[string]struct {
		env   string
		nodes verify.NodeLister
		why   string
	}{
		"kwok nodes": {nodes: nodeList{nodes: []corev1.Node{node("a", true), node("b", true), node("c", true)}}, why: "every node (3) is a kwok fake node"},
		"variable":   {env: "1", nodes: nodeList{nodes: []corev1.Node{node("a", false)}}, why: verify.SimulatedEnv + "=1"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Setenv(verify.SimulatedEnv, c.env)
			a, o := afterOpts(t, addr, c.nodes)
			var reported []steps.Finding
			fs, err := verify.AfterInstall(context.Background(), a, o, func(f steps.Finding) { reported = append(reported, f) })
			if err != nil {
				t.Fatal(err)
			}
			if len(fs) != 1 || fs[0].Level != steps.Warn || fs[0].Seen != verify.NotVerifiedSimulated || !strings.Contains(fs[0].Hint, c.why) {
				t.Fatalf("findings %+v", fs)
			}
			if len(reported) != 1 {
				t.Errorf("reported %d findings, want 1", len(reported))
			}
			if hits.Load() != 0 {
				t.Errorf("%d connections to Harbor on a simulated cluster", hits.Load())
			}
		})
	}
}

func TestAfterInstallRealClusterRunsChecks(t *testing.T) {
	t.Setenv(verify.SimulatedEnv, "")
	addr, hits := closingHarbor(t)
	for name, nodes := range map[string]verify.NodeLister{
		"one real node":    nodeList{nodes: []corev1.Node{node("a", true), node("b", false)}},
		"nodes unreadable": nodeList{err: errors.New("forbidden")},
		"no node lister":   nil,
	} {
		t.Run(name, func(t *testing.T) {
			before := hits.Load()
			a, o := afterOpts(t, addr, nodes)
			fs, err := verify.AfterInstall(context.Background(), a, o, nil)
			if err != nil {
				t.Fatal(err)
			}
			if hits.Load() == before {
				t.Error("Run never reached Harbor")
			}
			if steps.Worst(fs) != steps.Fail {
				t.Errorf("an unreachable Harbor did not fail: %+v", fs)
			}
			for _, f := range fs {
				if f.Seen == verify.NotVerifiedSimulated {
					t.Errorf("a real cluster was called simulated: %+v", f)
				}
			}
		})
	}
}
