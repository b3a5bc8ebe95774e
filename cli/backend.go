package cli

import (
	"time"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/install"
	"github.com/harbor-installer/harbor-installer/kube"
)

// newBackend connects to the cluster the answers name and returns the
// engine's backend: client-go, the Helm v3 SDK and kstatus behind
// install's interfaces. It is a variable so that tests install a fake.
var newBackend = func(a *answers.Answers, timeout time.Duration) (install.Backend, error) {
	c, err := kube.Connect(a.Cluster.Kubeconfig, a.Cluster.Context, timeout)
	if err != nil {
		return nil, err
	}
	return kube.NewBackend(c, kube.BackendOptions{})
}
