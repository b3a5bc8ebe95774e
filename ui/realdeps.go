package ui

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/kube"
	"github.com/harbor-installer/harbor-installer/steps"
)

// KubeCluster is the real Cluster over kube.Client, one connection per
// kubeconfig and context, made on first use.
type KubeCluster struct {
	Timeout time.Duration
	mu      sync.Mutex
	clients map[[2]string]*kube.Client
}

func (k *KubeCluster) client(kubeconfig, kctx string) (*kube.Client, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.clients == nil {
		k.clients = map[[2]string]*kube.Client{}
	}
	id := [2]string{kubeconfig, kctx}
	if c := k.clients[id]; c != nil {
		return c, nil
	}
	c, err := kube.Connect(kubeconfig, kctx, k.Timeout)
	if err != nil {
		return nil, err
	}
	k.clients[id] = c
	return c, nil
}

func (k *KubeCluster) of(a *answers.Answers) (*kube.Client, error) {
	return k.client(a.Cluster.Kubeconfig, a.Cluster.Context)
}

// Probe says which cluster the kubeconfig names and whether it answers.
func (k *KubeCluster) Probe(ctx context.Context, kubeconfig, kctx string) ClusterInfo {
	c, err := k.client(kubeconfig, kctx)
	if err != nil {
		return ClusterInfo{Context: kctx, Err: err}
	}
	info := ClusterInfo{Context: c.Context, Server: c.Server}
	v, err := c.Ping(ctx)
	if err != nil {
		info.Err = err
		return info
	}
	info.Version = v.GitVersion
	return info
}

// Contexts lists the kubeconfig's contexts.
func (k *KubeCluster) Contexts(kubeconfig string) ([]kube.KubeContext, error) {
	return kube.Contexts(kubeconfig)
}

// StorageClasses lists the cluster's classes.
func (k *KubeCluster) StorageClasses(ctx context.Context, a *answers.Answers) ([]kube.StorageClassInfo, error) {
	c, err := k.of(a)
	if err != nil {
		return nil, err
	}
	return c.ListStorageClasses(ctx)
}

// TLSSecrets lists TLS Secrets in Harbor's namespace.
func (k *KubeCluster) TLSSecrets(ctx context.Context, a *answers.Answers) ([]kube.TLSSecretInfo, error) {
	c, err := k.of(a)
	if err != nil {
		return nil, err
	}
	return c.ListTLSSecrets(ctx, a.Harbor.Namespace)
}

// IngressClasses lists the IngressClasses.
func (k *KubeCluster) IngressClasses(ctx context.Context, a *answers.Answers) ([]kube.IngressClassInfo, error) {
	c, err := k.of(a)
	if err != nil {
		return nil, err
	}
	return c.ListIngressClasses(ctx)
}

// NodeZones counts nodes per zone.
func (k *KubeCluster) NodeZones(ctx context.Context, a *answers.Answers) ([]kube.ZoneInfo, error) {
	c, err := k.of(a)
	if err != nil {
		return nil, err
	}
	return c.NodeZones(ctx)
}

// StepChecker runs steps' live checks with an Env built once per cluster
// selection (connecting costs a round trip).
type StepChecker struct {
	Timeout time.Duration
	mu      sync.Mutex
	envs    map[[2]string]*steps.Env
}

// Check runs one step's live checks.
func (s *StepChecker) Check(ctx context.Context, step steps.Step, a *answers.Answers) []steps.Finding {
	if step.Check == nil {
		return nil
	}
	s.mu.Lock()
	if s.envs == nil {
		s.envs = map[[2]string]*steps.Env{}
	}
	id := [2]string{a.Cluster.Kubeconfig, a.Cluster.Context}
	env := s.envs[id]
	s.mu.Unlock()
	if env == nil || env.ClusterErr != nil {
		env = steps.NewEnv(ctx, a, s.Timeout)
		if errors.Is(ctx.Err(), context.Canceled) {
			return nil
		}
		s.mu.Lock()
		s.envs[id] = env
		s.mu.Unlock()
	}
	return step.Check(ctx, a, env)
}
