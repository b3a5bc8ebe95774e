package kube

import (
	"context"
	"errors"
	"fmt"
	"time"

	helmkube "helm.sh/helm/v3/pkg/kube"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/cli-runtime/pkg/resource"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"
)

// errInterrupted is what every cluster call Helm makes after the Apply's
// context ended returns, so that Helm's own failure path runs (it records
// the revision failed) instead of the operation going on unseen.
var errInterrupted = errors.New("interrupted: the installer was asked to stop")

// stoppableKube is Helm's kube client with a stop switch. Helm's actions
// take a context but only to return early: the operation goes on in a
// goroutine and can record the revision later, or leave it pending when the
// process exits. Run under this client with a context that is never
// cancelled, an action instead ends by itself soon after stop: no new
// object is created or updated, hook waits (the long part with Wait off)
// end at once, and Helm marks the revision failed as for any error.
//
// It embeds *helmkube.Client, so Helm's type assertions for its optional
// interfaces (three-way merge, logs, deletion propagation) still hold.
type stoppableKube struct {
	*helmkube.Client
	stop context.Context
	// keepPVCs leaves PersistentVolumeClaims out of deletions (uninstall).
	keepPVCs bool
}

func (k *stoppableKube) stopped() error {
	if k.stop.Err() != nil {
		return errInterrupted
	}
	return nil
}

// Create refuses to start once stopped.
func (k *stoppableKube) Create(resources helmkube.ResourceList) (*helmkube.Result, error) {
	if err := k.stopped(); err != nil {
		return &helmkube.Result{}, err
	}
	return k.Client.Create(resources)
}

// Update refuses to start once stopped.
func (k *stoppableKube) Update(original, target helmkube.ResourceList, force bool) (*helmkube.Result, error) {
	if err := k.stopped(); err != nil {
		return &helmkube.Result{}, err
	}
	return k.Client.Update(original, target, force)
}

// UpdateThreeWayMerge refuses to start once stopped.
func (k *stoppableKube) UpdateThreeWayMerge(original, target helmkube.ResourceList, force bool) (*helmkube.Result, error) {
	if err := k.stopped(); err != nil {
		return &helmkube.Result{}, err
	}
	return k.Client.UpdateThreeWayMerge(original, target, force)
}

// Delete leaves PVCs alone when asked to keep them. Deletions still run
// after stop: Helm uses them to clean up failed hooks.
func (k *stoppableKube) Delete(resources helmkube.ResourceList) (*helmkube.Result, []error) {
	return k.Client.Delete(k.deletable(resources))
}

// DeleteWithPropagationPolicy is Delete with a propagation policy.
func (k *stoppableKube) DeleteWithPropagationPolicy(resources helmkube.ResourceList, policy metav1.DeletionPropagation) (*helmkube.Result, []error) {
	return k.Client.DeleteWithPropagationPolicy(k.deletable(resources), policy)
}

func (k *stoppableKube) deletable(resources helmkube.ResourceList) helmkube.ResourceList {
	if !k.keepPVCs {
		return resources
	}
	return resources.Filter(func(info *resource.Info) bool {
		return info.Mapping == nil || info.Mapping.GroupVersionKind.Kind != "PersistentVolumeClaim"
	})
}

// Wait refuses once stopped (the backend runs actions with Wait off; this
// covers Helm paths that wait anyway).
func (k *stoppableKube) Wait(resources helmkube.ResourceList, timeout time.Duration) error {
	if err := k.stopped(); err != nil {
		return err
	}
	return k.Client.Wait(resources, timeout)
}

// WaitWithJobs refuses once stopped.
func (k *stoppableKube) WaitWithJobs(resources helmkube.ResourceList, timeout time.Duration) error {
	if err := k.stopped(); err != nil {
		return err
	}
	return k.Client.WaitWithJobs(resources, timeout)
}

// WaitForDelete refuses once stopped (it runs before a hook is created).
func (k *stoppableKube) WaitForDelete(resources helmkube.ResourceList, timeout time.Duration) error {
	if err := k.stopped(); err != nil {
		return err
	}
	return k.Client.WaitForDelete(resources, timeout)
}

// WatchUntilReady waits for hook Jobs to complete and hook Pods to succeed,
// like Helm's, but ends as soon as the stop context does. Other kinds are
// ready once created.
func (k *stoppableKube) WatchUntilReady(resources helmkube.ResourceList, timeout time.Duration) error {
	for _, info := range resources {
		if err := k.watchUntilReady(info, timeout); err != nil {
			return err
		}
	}
	return nil
}

func (k *stoppableKube) watchUntilReady(info *resource.Info, timeout time.Duration) error {
	kind := info.Mapping.GroupVersionKind.Kind
	if kind != "Job" && kind != "Pod" {
		return nil
	}
	if err := k.stopped(); err != nil {
		return err
	}
	ctx, cancel := watchtools.ContextWithOptionalTimeout(k.stop, timeout)
	defer cancel()
	sel := fields.OneTermEqualSelector("metadata.name", info.Name)
	lw := cache.NewListWatchFromClient(info.Client, info.Mapping.Resource.Resource, info.Namespace, sel)
	_, err := watchtools.UntilWithSync(ctx, lw, &unstructured.Unstructured{}, nil, func(e watch.Event) (bool, error) {
		switch e.Type {
		case watch.Deleted:
			return true, nil
		case watch.Error:
			return true, fmt.Errorf("watch %s %s failed", kind, info.Name)
		case watch.Added, watch.Modified:
		default:
			return false, nil
		}
		u, ok := e.Object.(*unstructured.Unstructured)
		if !ok {
			return false, nil
		}
		if kind == "Job" {
			var job batchv1.Job
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &job); err != nil {
				return true, err
			}
			for _, c := range job.Status.Conditions {
				if c.Status != corev1.ConditionTrue {
					continue
				}
				switch c.Type {
				case batchv1.JobComplete:
					return true, nil
				case batchv1.JobFailed:
					return true, fmt.Errorf("job %s failed: %s", info.Name, c.Reason)
				}
			}
			return false, nil
		}
		var pod corev1.Pod
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &pod); err != nil {
			return true, err
		}
		switch pod.Status.Phase {
		case corev1.PodSucceeded:
			return true, nil
		case corev1.PodFailed:
			return true, fmt.Errorf("pod %s failed", info.Name)
		}
		return false, nil
	})
	if err != nil && k.stop.Err() != nil {
		return errInterrupted
	}
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("%s %s: not complete within %s", kind, info.Name, timeout)
	}
	return err
}
