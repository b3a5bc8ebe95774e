package harness

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	storagelisters "k8s.io/client-go/listers/storage/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
)

// Annotations of the external-provisioner protocol.
const (
	annStorageProvisioner     = "volume.kubernetes.io/storage-provisioner"
	annBetaStorageProvisioner = "volume.beta.kubernetes.io/storage-provisioner"
	annSelectedNode           = "volume.kubernetes.io/selected-node"
	annProvisionedBy          = "pv.kubernetes.io/provisioned-by"
)

// AccessModesOf returns the access modes the harness's provisioner gives
// for a StorageClass, as the real driver would, and false when the class
// belongs to no driver the harness plays. Trident's file backends (ontap-nas
// and kin) give ReadWriteMany; its block backends and EBS do not.
func AccessModesOf(sc *storagev1.StorageClass) ([]corev1.PersistentVolumeAccessMode, bool) {
	rwo := []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce, corev1.ReadWriteOncePod}
	switch sc.Provisioner {
	case TridentProvisioner:
		switch sc.Parameters["backendType"] {
		case "ontap-nas", "ontap-nas-economy", "ontap-nas-flexgroup", "azure-netapp-files", "google-cloud-netapp-volumes", "gcp-cvs":
			return append(rwo, corev1.ReadOnlyMany, corev1.ReadWriteMany), true
		}
		return rwo, true
	case EBSProvisioner:
		return rwo, true
	}
	return nil, false
}

// provisioner plays the CSI external-provisioners of Trident and EBS: it
// answers claims of their classes with bound PVs and deletes released PVs.
type provisioner struct {
	client    kubernetes.Interface
	pvcs      corelisters.PersistentVolumeClaimLister
	pvs       corelisters.PersistentVolumeLister
	nodes     corelisters.NodeLister
	classes   storagelisters.StorageClassLister
	queue     workqueue.TypedRateLimitingInterface[string]
	events    record.EventBroadcaster
	mu        sync.Mutex
	recorders map[string]record.EventRecorder
	refused   map[string]bool // uid/resourceVersion of claims already refused
}

func (c *Cluster) startProvisioner() {
	if c.opts.NoProvisioner {
		return
	}
	f := informers.NewSharedInformerFactory(c.Client, 0)
	p := &provisioner{
		client:    c.Client,
		pvcs:      f.Core().V1().PersistentVolumeClaims().Lister(),
		pvs:       f.Core().V1().PersistentVolumes().Lister(),
		nodes:     f.Core().V1().Nodes().Lister(),
		classes:   f.Storage().V1().StorageClasses().Lister(),
		queue:     workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[string]()),
		events:    record.NewBroadcaster(),
		recorders: map[string]record.EventRecorder{},
		refused:   map[string]bool{},
	}
	p.events.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: c.Client.CoreV1().Events("")})
	enqueue := func(prefix string) func(any) {
		return func(obj any) {
			if key, err := cache.MetaNamespaceKeyFunc(obj); err == nil {
				p.queue.Add(prefix + key)
			}
		}
	}
	_, _ = f.Core().V1().PersistentVolumeClaims().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue("pvc:"),
		UpdateFunc: func(_, obj any) { enqueue("pvc:")(obj) },
	})
	_, _ = f.Core().V1().PersistentVolumes().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue("pv:"),
		UpdateFunc: func(_, obj any) { enqueue("pv:")(obj) },
	})
	// A class made after its claims: look at all claims again.
	_, _ = f.Storage().V1().StorageClasses().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(any) {
			claims, _ := p.pvcs.List(labels.Everything())
			for _, pvc := range claims {
				enqueue("pvc:")(pvc)
			}
		},
	})
	_ = f.Core().V1().Nodes().Informer()
	f.Start(c.ctx.Done())
	c.goBackground(func(ctx context.Context) {
		defer p.events.Shutdown()
		defer f.Shutdown()
		go func() {
			<-ctx.Done()
			p.queue.ShutDown()
		}()
		f.WaitForCacheSync(ctx.Done())
		for p.next(ctx) {
		}
	})
}

func (p *provisioner) next(ctx context.Context) bool {
	key, quit := p.queue.Get()
	if quit {
		return false
	}
	defer p.queue.Done(key)
	var err error
	if k, ok := strings.CutPrefix(key, "pvc:"); ok {
		err = p.syncClaim(ctx, k)
	} else if k, ok := strings.CutPrefix(key, "pv:"); ok {
		err = p.syncVolume(ctx, k)
	}
	if err != nil && ctx.Err() == nil {
		p.queue.AddRateLimited(key)
		return true
	}
	p.queue.Forget(key)
	return true
}

func (p *provisioner) recorder(driver string) record.EventRecorder {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.recorders[driver]
	if !ok {
		// Real provisioners report as <driver>_<pod>_<uuid>.
		r = p.events.NewRecorder(scheme.Scheme, corev1.EventSource{Component: driver + "_harness-provisioner"})
		p.recorders[driver] = r
	}
	return r
}

func (p *provisioner) syncClaim(ctx context.Context, key string) error {
	ns, name, _ := cache.SplitMetaNamespaceKey(key)
	pvc, err := p.pvcs.PersistentVolumeClaims(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if pvc.Spec.VolumeName != "" || pvc.Status.Phase != corev1.ClaimPending || pvc.DeletionTimestamp != nil ||
		pvc.Spec.StorageClassName == nil || *pvc.Spec.StorageClassName == "" {
		return nil
	}
	sc, err := p.classes.Get(*pvc.Spec.StorageClassName)
	if err != nil {
		return nil // unknown class: a real cluster leaves the claim Pending too
	}
	modes, ok := AccessModesOf(sc)
	if !ok {
		return nil
	}
	// Like csi-provisioner, act only on claims the PV controller handed over.
	if pvc.Annotations[annStorageProvisioner] != sc.Provisioner && pvc.Annotations[annBetaStorageProvisioner] != sc.Provisioner {
		return nil
	}
	var zone string
	if sc.VolumeBindingMode != nil && *sc.VolumeBindingMode == storagev1.VolumeBindingWaitForFirstConsumer {
		nodeName := pvc.Annotations[annSelectedNode]
		if nodeName == "" {
			return nil // the scheduler has not picked a node yet
		}
		node, err := p.nodes.Get(nodeName)
		if err != nil {
			return fmt.Errorf("selected node %s: %w", nodeName, err)
		}
		zone = node.Labels[ZoneLabel]
	}
	rec := p.recorder(sc.Provisioner)
	for _, m := range pvc.Spec.AccessModes {
		if !containsMode(modes, m) {
			refusal := string(pvc.UID) + "/" + pvc.ResourceVersion
			p.mu.Lock()
			seen := p.refused[refusal]
			p.refused[refusal] = true
			p.mu.Unlock()
			if !seen {
				rec.Eventf(pvc, corev1.EventTypeWarning, "ProvisioningFailed",
					"failed to provision volume with StorageClass %q: rpc error: code = InvalidArgument desc = volume capability access mode %s is not supported by %s (supported: %s)",
					sc.Name, m, sc.Provisioner, modeList(modes))
			}
			return nil
		}
	}
	size, ok := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	if !ok {
		size = resource.MustParse("1Gi")
	}
	pvName := "pvc-" + string(pvc.UID)
	if _, err := p.pvs.Get(pvName); err == nil {
		return nil
	}
	rec.Eventf(pvc, corev1.EventTypeNormal, "Provisioning", "External provisioner is provisioning volume for claim %q", key)
	reclaim := corev1.PersistentVolumeReclaimDelete
	if sc.ReclaimPolicy != nil {
		reclaim = *sc.ReclaimPolicy
	}
	fsType := sc.Parameters["csi.storage.k8s.io/fstype"]
	if fsType == "" {
		fsType = sc.Parameters["fsType"]
	}
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{
			Name:        pvName,
			Annotations: map[string]string{annProvisionedBy: sc.Provisioner},
		},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:    corev1.ResourceList{corev1.ResourceStorage: size},
			AccessModes: pvc.Spec.AccessModes,
			ClaimRef: &corev1.ObjectReference{
				Kind: "PersistentVolumeClaim", APIVersion: "v1",
				Namespace: pvc.Namespace, Name: pvc.Name, UID: pvc.UID, ResourceVersion: pvc.ResourceVersion,
			},
			PersistentVolumeReclaimPolicy: reclaim,
			StorageClassName:              sc.Name,
			MountOptions:                  sc.MountOptions,
			VolumeMode:                    pvc.Spec.VolumeMode,
			PersistentVolumeSource: corev1.PersistentVolumeSource{CSI: &corev1.CSIPersistentVolumeSource{
				Driver:       sc.Provisioner,
				VolumeHandle: volumeHandle(sc.Provisioner, pvName),
				FSType:       fsType,
				VolumeAttributes: map[string]string{
					"storage.kubernetes.io/csiProvisionerIdentity": "harness-" + sc.Provisioner,
				},
			}},
		},
	}
	if zone != "" {
		pv.Spec.NodeAffinity = &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{
			NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{
				Key: ZoneLabel, Operator: corev1.NodeSelectorOpIn, Values: []string{zone},
			}}}},
		}}
	}
	if _, err := p.client.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		rec.Eventf(pvc, corev1.EventTypeWarning, "ProvisioningFailed", "failed to provision volume with StorageClass %q: %v", sc.Name, err)
		return err
	}
	rec.Eventf(pvc, corev1.EventTypeNormal, "ProvisioningSucceeded", "Successfully provisioned volume %s", pvName)
	return nil
}

// syncVolume deletes a released volume this provisioner made, as the real
// one does for reclaim policy Delete.
func (p *provisioner) syncVolume(ctx context.Context, name string) error {
	pv, err := p.pvs.Get(name)
	if err != nil {
		return nil
	}
	by := pv.Annotations[annProvisionedBy]
	if (by != TridentProvisioner && by != EBSProvisioner) || pv.Status.Phase != corev1.VolumeReleased ||
		pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimDelete || pv.DeletionTimestamp != nil {
		return nil
	}
	err = p.client.CoreV1().PersistentVolumes().Delete(ctx, name, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

func volumeHandle(driver, pvName string) string {
	if driver == EBSProvisioner {
		h := strings.ReplaceAll(strings.TrimPrefix(pvName, "pvc-"), "-", "")
		if len(h) > 17 {
			h = h[:17]
		}
		return "vol-" + h
	}
	return pvName
}

func containsMode(modes []corev1.PersistentVolumeAccessMode, m corev1.PersistentVolumeAccessMode) bool {
	for _, x := range modes {
		if x == m {
			return true
		}
	}
	return false
}

func modeList(modes []corev1.PersistentVolumeAccessMode) string {
	s := make([]string, len(modes))
	for i, m := range modes {
		s[i] = string(m)
	}
	sort.Strings(s)
	return strings.Join(s, ", ")
}
