package cli

import (
	"errors"
	"time"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/install"
)

// newBackend connects to the cluster the answers name and returns the
// engine's backend. It is a variable so that tests install a fake.
//
// Merge note: the Kubernetes/Helm backend comes from the kube branch as
// kube.NewBackend(client *kube.Client, ...). Until it is merged this build
// says so instead of pretending; the wiring is:
//
//	c, err := kube.Connect(a.Cluster.Kubeconfig, a.Cluster.Context, timeout)
//	if err != nil {
//		return nil, err
//	}
//	return kube.NewBackend(c)
var newBackend = func(a *answers.Answers, timeout time.Duration) (install.Backend, error) {
	_ = a
	_ = timeout
	return nil, errors.New("this build has no Kubernetes backend yet (the kube branch is not merged): use --dry-run of validate, or `harbor-installer render` and helm")
}
