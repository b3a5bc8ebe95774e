package harness

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"
	"sigs.k8s.io/yaml"
)

// Resources the operator stand-ins watch.
var (
	TridentOrchestratorGVR   = schema.GroupVersionResource{Group: "trident.netapp.io", Version: "v1", Resource: "tridentorchestrators"}
	TridentBackendConfigGVR  = schema.GroupVersionResource{Group: "trident.netapp.io", Version: "v1", Resource: "tridentbackendconfigs"}
	BackupStorageLocationGVR = schema.GroupVersionResource{Group: "velero.io", Version: "v1", Resource: "backupstoragelocations"}
	crdGVR                   = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
)

// OperatorOptions choose which operator stand-ins run and how they answer.
type OperatorOptions struct {
	// Trident plays trident-operator and Trident: TridentOrchestrator and
	// TridentBackendConfig get a status.
	Trident bool
	// Velero plays the Velero server: BackupStorageLocations get a phase.
	Velero bool
	// Delay is how long an operator takes to answer; default 2s.
	Delay time.Duration
	// TridentResult is the final TridentOrchestrator .status.status:
	// "Installed" (default) or "Failed".
	TridentResult string
	// BackendResult is the TridentBackendConfig .status.lastOperationStatus:
	// "Success" (default, phase Bound) or "Failed" (phase Unbound).
	BackendResult string
	// BSLPhase is the BackupStorageLocation .status.phase: "Available"
	// (default) or "Unavailable".
	BSLPhase string
	// SkipCRDs leaves the CRDs to the charts; by default the stand-ins
	// create the CRDs they watch when missing, as the real operators do for
	// TridentBackendConfig.
	SkipCRDs bool
}

// StartOperators starts the operator stand-ins under the cluster's life (they
// stop with Stop, or when ctx ends). They watch their custom resources and
// set .status as the real operators do after opts.Delay. Without SkipCRDs it
// returns once their CRDs are established; with it, it waits for the charts
// to create them.
func (c *Cluster) StartOperators(ctx context.Context, opts OperatorOptions) error {
	if opts.Delay <= 0 {
		opts.Delay = 2 * time.Second
	}
	if opts.TridentResult == "" {
		opts.TridentResult = "Installed"
	}
	if opts.BackendResult == "" {
		opts.BackendResult = "Success"
	}
	if opts.BSLPhase == "" {
		opts.BSLPhase = "Available"
	}
	var gvrs []schema.GroupVersionResource
	if opts.Trident {
		gvrs = append(gvrs, TridentOrchestratorGVR, TridentBackendConfigGVR)
	}
	if opts.Velero {
		gvrs = append(gvrs, BackupStorageLocationGVR)
	}
	if !opts.SkipCRDs {
		if err := c.EnsureCRDs(ctx, gvrs...); err != nil {
			return err
		}
	}
	op := &operators{c: c, opts: opts, scheduled: map[string]bool{}}
	runCtx, cancel := context.WithCancel(c.ctx)
	go func() {
		select {
		case <-ctx.Done():
		case <-runCtx.Done():
		}
		cancel()
	}()
	for _, gvr := range gvrs {
		gvr := gvr
		c.goBackground(func(context.Context) { op.watch(runCtx, gvr) })
	}
	return nil
}

type operators struct {
	c         *Cluster
	opts      OperatorOptions
	mu        sync.Mutex
	scheduled map[string]bool
	wg        sync.WaitGroup
}

// watch waits for the CRD of gvr, then answers each object of it.
func (o *operators) watch(ctx context.Context, gvr schema.GroupVersionResource) {
	defer o.wg.Wait()
	_ = poll(ctx, 500*time.Millisecond, func() (bool, string, error) {
		return o.c.crdEstablished(ctx, gvr), "CRD " + gvr.String(), nil
	})
	if ctx.Err() != nil {
		return
	}
	f := dynamicinformer.NewDynamicSharedInformerFactory(o.c.Dynamic, 0)
	inf := f.ForResource(gvr).Informer()
	handle := func(obj any) {
		u, ok := obj.(*unstructured.Unstructured)
		if ok {
			o.reconcile(ctx, gvr, u)
		}
	}
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    handle,
		UpdateFunc: func(_, obj any) { handle(obj) },
	})
	f.Start(ctx.Done())
	<-ctx.Done()
	f.Shutdown()
}

// reconcile schedules the status answer for an object once per generation.
func (o *operators) reconcile(ctx context.Context, gvr schema.GroupVersionResource, u *unstructured.Unstructured) {
	if u.GetDeletionTimestamp() != nil {
		return
	}
	key := fmt.Sprintf("%s/%s/%s/%s/%d", gvr.Resource, u.GetNamespace(), u.GetName(), u.GetUID(), u.GetGeneration())
	o.mu.Lock()
	if o.scheduled[key] {
		o.mu.Unlock()
		return
	}
	o.scheduled[key] = true
	o.mu.Unlock()

	client := o.c.Dynamic.Resource(gvr).Namespace(u.GetNamespace())
	var first, final map[string]any
	switch gvr {
	case TridentOrchestratorGVR:
		ns, _, _ := unstructured.NestedString(u.Object, "spec", "namespace")
		first = map[string]any{"status": "Installing", "message": "Installing Trident", "namespace": ns}
		final = map[string]any{"status": o.opts.TridentResult, "namespace": ns, "version": "26.06.0"}
		if o.opts.TridentResult == "Installed" {
			final["message"] = "Trident installed"
		} else {
			final["message"] = "Failed to install Trident; err: harness fault: the operator reports " + o.opts.TridentResult
		}
	case TridentBackendConfigGVR:
		name, _, _ := unstructured.NestedString(u.Object, "spec", "backendName")
		if name == "" {
			name = u.GetName()
		}
		final = map[string]any{"backendInfo": map[string]any{"backendName": name, "backendUUID": string(u.GetUID())},
			"deletionPolicy": "delete", "lastOperationStatus": o.opts.BackendResult}
		if o.opts.BackendResult == "Success" {
			final["phase"] = "Bound"
			final["message"] = fmt.Sprintf("Backend '%s' created", name)
		} else {
			final["phase"] = "Unbound"
			final["message"] = "Failed to create backend: harness fault: problem initializing storage driver 'ontap-nas'"
		}
	case BackupStorageLocationGVR:
		final = map[string]any{"phase": o.opts.BSLPhase, "lastValidationTime": time.Now().UTC().Format(time.RFC3339)}
		if o.opts.BSLPhase != "Available" {
			final["message"] = "BackupStorageLocation \"" + u.GetName() + "\" is unavailable: harness fault: rpc error: code = Unknown desc = NoSuchBucket"
		}
	default:
		return
	}
	setStatus := func(status map[string]any) error {
		cur, err := client.Get(ctx, u.GetName(), metav1.GetOptions{})
		if err != nil {
			return err
		}
		cur.Object["status"] = status
		_, err = client.UpdateStatus(ctx, cur, metav1.UpdateOptions{})
		if apierrors.IsNotFound(err) {
			// A CRD without the status subresource (a chart's own).
			_, err = client.Update(ctx, cur, metav1.UpdateOptions{})
		}
		return err
	}
	o.wg.Add(1)
	go func() {
		defer o.wg.Done()
		if first != nil {
			_ = retry(ctx, func() error { return setStatus(first) })
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(o.opts.Delay):
		}
		if gvr == TridentOrchestratorGVR && o.opts.TridentResult == "Installed" {
			_ = o.c.tridentWorkloads(ctx, u)
		}
		_ = retry(ctx, func() error { return setStatus(final) })
	}()
}

// tridentWorkloads makes the Deployment trident-controller the real operator
// makes, owned by the TridentOrchestrator so that deleting it cleans up.
func (c *Cluster) tridentWorkloads(ctx context.Context, torc *unstructured.Unstructured) error {
	ns, _, _ := unstructured.NestedString(torc.Object, "spec", "namespace")
	if ns == "" {
		return nil
	}
	one := int32(1)
	labels := map[string]string{"app": "controller.csi.trident.netapp.io"}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "trident-controller", Namespace: ns, Labels: labels,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "trident.netapp.io/v1", Kind: "TridentOrchestrator",
				Name: torc.GetName(), UID: torc.GetUID()}}},
		Spec: appsv1.DeploymentSpec{
			Replicas: &one,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "trident-main", Image: "docker.io/netapp/trident:26.06.0"}}},
			},
		},
	}
	_, err := c.Client.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) || apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// retry runs f until it succeeds, up to 20 times, or ctx ends.
func retry(ctx context.Context, f func() error) error {
	var err error
	for i := 0; i < 20; i++ {
		if err = f(); err == nil || apierrors.IsNotFound(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return err
}

func (c *Cluster) crdEstablished(ctx context.Context, gvr schema.GroupVersionResource) bool {
	crd, err := c.Dynamic.Resource(crdGVR).Get(ctx, gvr.Resource+"."+gvr.Group, metav1.GetOptions{})
	if err != nil {
		return false
	}
	conds, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
	for _, x := range conds {
		m, _ := x.(map[string]any)
		if m["type"] == "Established" && m["status"] == "True" {
			return true
		}
	}
	return false
}

// EnsureCRDs creates the harness's minimal CRDs (schemaless, with a status
// subresource) for the given resources when missing, and waits until they
// are established. Known: TridentOrchestratorGVR, TridentBackendConfigGVR,
// BackupStorageLocationGVR.
func (c *Cluster) EnsureCRDs(ctx context.Context, gvrs ...schema.GroupVersionResource) error {
	for _, gvr := range gvrs {
		def, ok := crdDefs[gvr]
		if !ok {
			return fmt.Errorf("no CRD known for %s", gvr)
		}
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(def), &u.Object); err != nil {
			return fmt.Errorf("CRD %s: %w", gvr, err)
		}
		_, err := c.Dynamic.Resource(crdGVR).Create(ctx, u, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create CRD %s: %w", u.GetName(), err)
		}
	}
	return WaitFor(ctx, 30*time.Second, "CRDs established", func(ctx context.Context) (bool, error) {
		for _, gvr := range gvrs {
			if !c.crdEstablished(ctx, gvr) {
				return false, nil
			}
		}
		return true, nil
	})
}

func crdDef(group, kind, plural, scope string, columns ...string) string {
	var cols strings.Builder
	for _, col := range columns {
		name, path, _ := strings.Cut(col, "=")
		fmt.Fprintf(&cols, "    - {name: %q, type: string, jsonPath: %q}\n", name, path)
	}
	return fmt.Sprintf(`apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: %[3]s.%[1]s
spec:
  group: %[1]s
  names: {kind: %[2]s, listKind: %[2]sList, plural: %[3]s, singular: %[5]s}
  scope: %[4]s
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
    additionalPrinterColumns:
%[6]s`, group, kind, plural, scope, strings.ToLower(kind), cols.String())
}

var crdDefs = map[schema.GroupVersionResource]string{
	TridentOrchestratorGVR: crdDef("trident.netapp.io", "TridentOrchestrator", "tridentorchestrators", "Cluster",
		"Status=.status.status", "Version=.status.version"),
	TridentBackendConfigGVR: crdDef("trident.netapp.io", "TridentBackendConfig", "tridentbackendconfigs", "Namespaced",
		"Backend Name=.status.backendInfo.backendName", "Phase=.status.phase", "Status=.status.lastOperationStatus"),
	BackupStorageLocationGVR: crdDef("velero.io", "BackupStorageLocation", "backupstoragelocations", "Namespaced",
		"Phase=.status.phase", "Last Validated=.status.lastValidationTime"),
}

// StatusField is one string field under .status and the value a wait wants.
type StatusField struct{ Field, Want string }

// WaitStatus waits until the custom resource gvr ns/name (ns empty when it is
// cluster-scoped) has every given .status field at its wanted value, as an
// operator (or the harness's stand-in) would set it. The timeout error shows
// the values last seen.
func (c *Cluster) WaitStatus(ctx context.Context, gvr schema.GroupVersionResource, ns, name string, timeout time.Duration, want ...StatusField) error {
	what := gvr.Resource + " " + name
	if ns != "" {
		what = gvr.Resource + " " + ns + "/" + name
	}
	var last []string
	err := WaitFor(ctx, timeout, what+" status", func(ctx context.Context) (bool, error) {
		u, err := c.Dynamic.Resource(gvr).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		last = last[:0]
		ok := true
		for _, w := range want {
			got, _, _ := unstructured.NestedString(u.Object, "status", w.Field)
			last = append(last, fmt.Sprintf("%s=%q (want %q)", w.Field, got, w.Want))
			ok = ok && got == w.Want
		}
		return ok, nil
	})
	if err != nil && len(last) > 0 {
		return fmt.Errorf("%w; last seen %s", err, strings.Join(last, ", "))
	}
	return err
}
