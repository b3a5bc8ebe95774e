package harness

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Names of the simulated world's classes and drivers, as on real clusters.
const (
	StorageClassOntapNAS = "ontap-nas"
	StorageClassGP3      = "gp3"
	TridentProvisioner   = "csi.trident.netapp.io"
	EBSProvisioner       = "ebs.csi.aws.com"
	IngressClassNginx    = "nginx"
	IngressClassALB      = "alb"
	NginxController      = "k8s.io/ingress-nginx"
	ALBController        = "ingress.k8s.aws/alb"

	// ZoneLabel is the well-known zone label of nodes and PV node affinity.
	ZoneLabel = "topology.kubernetes.io/zone"
	// Region is the topology.kubernetes.io/region of every fake node.
	Region = "harness-1"
)

// Fault modes, set on a pod by FaultKey as a label or an annotation (e.g. in
// a chart's podLabels or podAnnotations): kwok then plays that failure.
const (
	FaultKey = "harness.harbor-installer.dev/fault"
	// FaultNeverReady: containers run but never turn Ready.
	FaultNeverReady = "never-ready"
	// FaultImagePull: the pod stays Pending with ErrImagePull, then
	// ImagePullBackOff.
	FaultImagePull = "image-pull-failure"
	// FaultCrashLoop: the container is in CrashLoopBackOff.
	FaultCrashLoop = "crash-loop"
	// FaultJobFailed: a Job's pod ends in phase Failed.
	FaultJobFailed = "job-failed"
	// ReadyDelayKey is a pod annotation (a Go duration) overriding
	// ClusterOptions.PodReadyDelay for that pod.
	ReadyDelayKey = "harness.harbor-installer.dev/ready-delay"
)

// createWorld creates the fake nodes and the cluster-scoped objects a real
// cluster of the modelled kind has.
func (c *Cluster) createWorld(ctx context.Context) error {
	o := c.opts
	res := corev1.ResourceList{}
	for name, v := range map[corev1.ResourceName]string{
		corev1.ResourceCPU: o.NodeCPU, corev1.ResourceMemory: o.NodeMemory, corev1.ResourcePods: o.NodePods,
		corev1.ResourceEphemeralStorage: "100Gi",
	} {
		q, err := resource.ParseQuantity(v)
		if err != nil {
			return fmt.Errorf("node %s %q: %w", name, v, err)
		}
		res[name] = q
	}
	for _, zone := range o.Zones {
		for i := 1; i <= o.NodesPerZone; i++ {
			name := fmt.Sprintf("kwok-%s-%d", strings.TrimPrefix(zone, "zone-"), i)
			n := &corev1.Node{
				ObjectMeta: metav1.ObjectMeta{
					Name: name,
					Annotations: map[string]string{
						"kwok.x-k8s.io/node":           "fake",
						"node.alpha.kubernetes.io/ttl": "0",
					},
					Labels: map[string]string{
						"kubernetes.io/hostname":           name,
						"kubernetes.io/os":                 "linux",
						"kubernetes.io/arch":               "amd64",
						"node.kubernetes.io/instance-type": "kwok.fake",
						ZoneLabel:                          zone,
						"topology.kubernetes.io/region":    Region,
						"type":                             "kwok",
					},
				},
				Status: corev1.NodeStatus{Capacity: res.DeepCopy(), Allocatable: res.DeepCopy()},
			}
			if _, err := c.Client.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{}); err != nil {
				return fmt.Errorf("create node %s: %w", name, err)
			}
			c.Nodes = append(c.Nodes, name)
			c.NodeZones[name] = zone
		}
	}

	expand := true
	deletePolicy := corev1.PersistentVolumeReclaimDelete
	immediate := storagev1.VolumeBindingImmediate
	wffc := storagev1.VolumeBindingWaitForFirstConsumer
	attach, noPodInfo := true, false
	var classes []*storagev1.StorageClass
	var drivers []*storagev1.CSIDriver
	if !o.NoOntapNAS {
		classes = append(classes, &storagev1.StorageClass{
			ObjectMeta:           metav1.ObjectMeta{Name: StorageClassOntapNAS},
			Provisioner:          TridentProvisioner,
			Parameters:           map[string]string{"backendType": "ontap-nas", "fsType": "nfs"},
			ReclaimPolicy:        &deletePolicy,
			VolumeBindingMode:    &immediate,
			AllowVolumeExpansion: &expand,
			MountOptions:         []string{"nfsvers=4.1"},
		})
		drivers = append(drivers, &storagev1.CSIDriver{
			ObjectMeta: metav1.ObjectMeta{Name: TridentProvisioner},
			Spec:       storagev1.CSIDriverSpec{AttachRequired: &attach, PodInfoOnMount: &noPodInfo},
		})
	}
	if !o.NoGP3 {
		classes = append(classes, &storagev1.StorageClass{
			ObjectMeta:           metav1.ObjectMeta{Name: StorageClassGP3},
			Provisioner:          EBSProvisioner,
			Parameters:           map[string]string{"type": "gp3", "csi.storage.k8s.io/fstype": "ext4", "encrypted": "true"},
			ReclaimPolicy:        &deletePolicy,
			VolumeBindingMode:    &wffc,
			AllowVolumeExpansion: &expand,
		})
		drivers = append(drivers, &storagev1.CSIDriver{
			ObjectMeta: metav1.ObjectMeta{Name: EBSProvisioner},
			Spec:       storagev1.CSIDriverSpec{AttachRequired: &attach, PodInfoOnMount: &noPodInfo},
		})
	}
	for _, sc := range classes {
		if sc.Name == o.DefaultStorageClass {
			sc.Annotations = map[string]string{"storageclass.kubernetes.io/is-default-class": "true"}
		}
		if _, err := c.Client.StorageV1().StorageClasses().Create(ctx, sc, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create StorageClass %s: %w", sc.Name, err)
		}
	}
	for _, d := range drivers {
		if _, err := c.Client.StorageV1().CSIDrivers().Create(ctx, d, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create CSIDriver %s: %w", d.Name, err)
		}
	}
	var ics []*networkingv1.IngressClass
	if !o.NoNginx {
		ics = append(ics, &networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: IngressClassNginx},
			Spec: networkingv1.IngressClassSpec{Controller: NginxController}})
	}
	if !o.NoALB {
		ics = append(ics, &networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: IngressClassALB},
			Spec: networkingv1.IngressClassSpec{Controller: ALBController}})
	}
	for _, ic := range ics {
		if ic.Name == o.DefaultIngressClass {
			ic.Annotations = map[string]string{"ingressclass.kubernetes.io/is-default-class": "true"}
		}
		if _, err := c.Client.NetworkingV1().IngressClasses().Create(ctx, ic, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create IngressClass %s: %w", ic.Name, err)
		}
	}
	return nil
}

// WaitFor polls f every 200ms until it returns true or an error, or timeout
// passes; msg describes the wait in the timeout error. It is a small helper
// for tests that wait on the cluster.
func WaitFor(ctx context.Context, timeout time.Duration, msg string, f func(ctx context.Context) (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return poll(ctx, 200*time.Millisecond, func() (bool, string, error) {
		ok, err := f(ctx)
		if err != nil {
			// Errors are retried until the timeout: the API may be busy.
			return false, msg + ": " + err.Error(), nil
		}
		return ok, msg, nil
	})
}
