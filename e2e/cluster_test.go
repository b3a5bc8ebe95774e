//go:build e2e

// Package e2e holds the end-to-end tests of harbor-installer against the
// harness's simulated cluster. Run: go test -tags e2e ./e2e/ -run Cluster
package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/harness"
	"github.com/harbor-installer/harbor-installer/install"
	"github.com/harbor-installer/harbor-installer/kube"
	"github.com/harbor-installer/harbor-installer/kube/model"
	"github.com/harbor-installer/harbor-installer/render"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestClusterWorld runs one simulated cluster and checks its parts against
// the test charts.
func TestClusterWorld(t *testing.T) {
	c := harness.NewTestCluster(t, harness.ClusterOptions{})
	repo := harness.NewTestChartRepo(t, "")
	ctx := context.Background()

	t.Run("Nodes", func(t *testing.T) {
		nodes, err := c.Client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		zones := map[string]int{}
		for _, n := range nodes.Items {
			zones[n.Labels[harness.ZoneLabel]]++
			if len(n.Spec.Taints) != 0 {
				t.Errorf("node %s keeps taints %v", n.Name, n.Spec.Taints)
			}
		}
		if len(nodes.Items) != 6 || zones["zone-a"] != 2 || zones["zone-b"] != 2 || zones["zone-c"] != 2 {
			t.Errorf("nodes per zone = %v (of %d), want 2 in each of zone-a/b/c", zones, len(nodes.Items))
		}
		v, err := c.Client.Discovery().ServerVersion()
		if err != nil || v.GitVersion != harness.KubeVersion {
			t.Errorf("server version = %v, %v; want %s", v, err, harness.KubeVersion)
		}
	})

	// MinIO as render.Build renders it for eks-minio on ontap-nas (the
	// test chart stands in for MinIO's 5.4.0), installed by the engine
	// through kube.Backend: four pods Ready over the three zones, each on a
	// bound Trident volume of the answered size.
	t.Run("MinIOFromRender", func(t *testing.T) {
		l, err := answers.Load(answers.Options{Preset: "eks-minio", Sets: []string{
			"harbor.domain=registry.example.org", "minio.storageClass=" + harness.StorageClassOntapNAS,
			"minio.memoryRequest=1Gi", "minio.volumeSize=10Gi",
			"charts.minio.source=" + repo.URL, "charts.minio.name=minio", "charts.minio.version=5.4.0",
		}})
		if err != nil {
			t.Fatal(err)
		}
		a := &l.Answers
		full, err := render.Build(a)
		if err != nil {
			t.Fatal(err)
		}
		plan := onlyRelease(t, full, a.MinIO.ReleaseName)
		ns := plan.Releases[0].Namespace
		b := engineInstall(t, c, plan)
		if st, err := b.State(ctx, ns, plan.Releases[0].Name); err != nil || st.Status != model.ReleaseDeployed || st.ChartVersion != "5.4.0" {
			t.Errorf("release state %+v, %v; want deployed 5.4.0", st, err)
		}
		pods, err := c.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=minio,release=" + plan.Releases[0].Name})
		if err != nil {
			t.Fatal(err)
		}
		zones := map[string]int{}
		for _, p := range pods.Items {
			if !podReady(&p) {
				t.Errorf("pod %s not Ready: %+v", p.Name, p.Status)
			}
			zones[c.NodeZones[p.Spec.NodeName]]++
		}
		if len(pods.Items) != 4 || len(zones) != 3 {
			t.Errorf("%d pods over zones %v, want 4 over 3 zones", len(pods.Items), zones)
		}
		pvcs, err := c.Client.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(pvcs.Items) != 4 {
			t.Errorf("%d PVCs, want 4", len(pvcs.Items))
		}
		for _, pvc := range pvcs.Items {
			if pvc.Status.Phase != corev1.ClaimBound || *pvc.Spec.StorageClassName != harness.StorageClassOntapNAS {
				t.Errorf("PVC %s: phase %s class %s, want Bound on ontap-nas", pvc.Name, pvc.Status.Phase, *pvc.Spec.StorageClassName)
				continue
			}
			pv, err := c.Client.CoreV1().PersistentVolumes().Get(ctx, pvc.Spec.VolumeName, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if pv.Spec.CSI == nil || pv.Spec.CSI.Driver != harness.TridentProvisioner || pv.Spec.Capacity.Storage().String() != "10Gi" {
				t.Errorf("PV %s: %+v", pv.Name, pv.Spec)
			}
		}
	})

	t.Run("GP3RefusesRWX", func(t *testing.T) {
		ns := makeNamespace(t, c, "gp3-rwx")
		makeClaimAndPod(t, c, ns, "shared", harness.StorageClassGP3, corev1.ReadWriteMany)
		err := harness.WaitFor(ctx, time.Minute, "ProvisioningFailed event on PVC shared", func(ctx context.Context) (bool, error) {
			evs, err := c.Client.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.name=shared"})
			if err != nil {
				return false, err
			}
			for _, e := range evs.Items {
				if e.Reason == "ProvisioningFailed" && e.Type == corev1.EventTypeWarning {
					t.Logf("event: %s", e.Message)
					return true, nil
				}
			}
			return false, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Second)
		pvc, err := c.Client.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "shared", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if pvc.Status.Phase != corev1.ClaimPending || pvc.Spec.VolumeName != "" {
			t.Errorf("RWX claim on gp3: phase %s volume %q, want Pending without volume", pvc.Status.Phase, pvc.Spec.VolumeName)
		}
	})

	t.Run("GP3BindsRWOInNodeZone", func(t *testing.T) {
		ns := makeNamespace(t, c, "gp3-rwo")
		makeClaimAndPod(t, c, ns, "data", harness.StorageClassGP3, corev1.ReadWriteOnce)
		var pod *corev1.Pod
		err := harness.WaitFor(ctx, time.Minute, "pod data Ready", func(ctx context.Context) (bool, error) {
			p, err := c.Client.CoreV1().Pods(ns).Get(ctx, "data", metav1.GetOptions{})
			pod = p
			return err == nil && podReady(p), err
		})
		if err != nil {
			t.Fatal(err)
		}
		pvc, err := c.Client.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "data", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		pv, err := c.Client.CoreV1().PersistentVolumes().Get(ctx, pvc.Spec.VolumeName, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		zone := c.NodeZones[pod.Spec.NodeName]
		terms := pv.Spec.NodeAffinity.Required.NodeSelectorTerms
		if len(terms) != 1 || terms[0].MatchExpressions[0].Key != harness.ZoneLabel || terms[0].MatchExpressions[0].Values[0] != zone {
			t.Errorf("PV node affinity %+v, want zone %s of node %s", terms, zone, pod.Spec.NodeName)
		}
	})

	// Trident from OCI, Velero and Harbor are installed from render.Build
	// output elsewhere: TestInstall's Onprem* subtests (the binary; the
	// plan waits for the TridentOrchestrator Installed and the backend
	// Bound), TestKubeBackend/TridentFromOCIWithFieldMatch, and
	// TestInstallEngineEKSMinio (the engine; Velero's plan waits for the
	// BackupStorageLocation Available, Harbor's for every workload).

	t.Run("Faults", func(t *testing.T) {
		ns := makeNamespace(t, c, "faults")
		for _, f := range []string{harness.FaultNeverReady, harness.FaultImagePull, harness.FaultCrashLoop} {
			makeDeployment(t, c, ns, f, map[string]string{harness.FaultKey: f})
		}
		makeDeployment(t, c, ns, "healthy", nil)
		want := map[string]func(*corev1.Pod) bool{
			"healthy": podReady,
			harness.FaultNeverReady: func(p *corev1.Pod) bool {
				return p.Status.Phase == corev1.PodRunning && !podReady(p)
			},
			harness.FaultImagePull: func(p *corev1.Pod) bool { return waitingReason(p) == "ImagePullBackOff" },
			harness.FaultCrashLoop: func(p *corev1.Pod) bool { return waitingReason(p) == "CrashLoopBackOff" },
		}
		for name, ok := range want {
			err := harness.WaitFor(ctx, time.Minute, "pod of "+name, func(ctx context.Context) (bool, error) {
				pods, err := c.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=" + name})
				return err == nil && len(pods.Items) == 1 && ok(&pods.Items[0]), err
			})
			if err != nil {
				t.Error(err)
			}
		}
		// never-ready must stay so.
		time.Sleep(2 * time.Second)
		pods, _ := c.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=" + harness.FaultNeverReady})
		if len(pods.Items) != 1 || podReady(&pods.Items[0]) {
			t.Errorf("never-ready pod became Ready")
		}
	})
}

// TestClusterStopLeavesNothing checks that Stop ends every process of the
// cluster (and their children), closes its ports and removes its run dir.
func TestClusterStopLeavesNothing(t *testing.T) {
	c, err := harness.StartCluster(context.Background(), harness.ClusterOptions{Zones: []string{"zone-a"}, NodesPerZone: 1, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	procs, ports, dir := c.Procs(), c.Ports(), c.Dir
	if len(procs) != 5 {
		t.Errorf("%d processes, want 5 (etcd, apiserver, controller-manager, scheduler, kwok)", len(procs))
	}
	groups := map[int]bool{}
	for _, p := range procs {
		groups[p.Pid()] = true
	}
	c.Stop()
	c.Stop() // idempotent

	for _, p := range procs {
		if !p.Exited() {
			t.Errorf("%s (pid %d) still running", p.Name, p.Pid())
		}
		if err := syscall.Kill(p.Pid(), 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("%s (pid %d) still exists: %v", p.Name, p.Pid(), err)
		}
	}
	for _, pr := range listProcs(t) {
		if pr.ppid == os.Getpid() {
			t.Errorf("child process %d (%s) of the test remains", pr.pid, pr.comm)
		}
		if groups[pr.pgrp] {
			t.Errorf("process %d (%s) of a harness process group remains", pr.pid, pr.comm)
		}
	}
	for _, port := range ports {
		if conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second); err == nil {
			conn.Close()
			t.Errorf("port %d still open", port)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("run dir %s not removed: %v", dir, err)
	}
	shm, _ := filepath.Glob(fmt.Sprintf("/dev/shm/harbor-installer-harness-%d-*", os.Getpid()))
	if len(shm) != 0 {
		t.Errorf("etcd data left in %v", shm)
	}
}

type procInfo struct {
	pid, ppid, pgrp int
	comm            string
}

func listProcs(t *testing.T) []procInfo {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var out []procInfo
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(b)
		i, j := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if i < 0 || j < i {
			continue
		}
		f := strings.Fields(s[j+1:]) // state ppid pgrp ...
		if len(f) < 3 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		pgrp, _ := strconv.Atoi(f[2])
		if f[0] == "Z" {
			continue // a zombie is gone, waiting only for its parent to reap
		}
		out = append(out, procInfo{pid: pid, ppid: ppid, pgrp: pgrp, comm: s[i+1 : j]})
	}
	return out
}

func makeNamespace(t *testing.T, c *harness.Cluster, name string) string {
	t.Helper()
	_, err := c.Client.CoreV1().Namespaces().Create(context.Background(),
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Pods need the namespace's default ServiceAccount.
	err = harness.WaitFor(context.Background(), 30*time.Second, "default ServiceAccount", func(ctx context.Context) (bool, error) {
		_, err := c.Client.CoreV1().ServiceAccounts(name).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, err
	})
	if err != nil {
		t.Fatal(err)
	}
	return name
}

// makeClaimAndPod creates a claim and a pod that mounts it (a consumer, for
// WaitForFirstConsumer classes).
func makeClaimAndPod(t *testing.T, c *harness.Cluster, ns, name, class string, mode corev1.PersistentVolumeAccessMode) {
	t.Helper()
	ctx := context.Background()
	pvc := &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PersistentVolumeClaimSpec{
			StorageClassName: &class,
			AccessModes:      []corev1.PersistentVolumeAccessMode{mode},
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceStorage: resource.MustParse("5Gi")}},
		},
	}
	if _, err := c.Client.CoreV1().PersistentVolumeClaims(ns).Create(ctx, pvc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "app", Image: "registry.invalid/app:1",
				VolumeMounts: []corev1.VolumeMount{{Name: "data", MountPath: "/data"}}}},
			Volumes: []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: name}}}},
		},
	}
	if _, err := c.Client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func makeDeployment(t *testing.T, c *harness.Cluster, ns, name string, podLabels map[string]string) {
	t.Helper()
	labels := map[string]string{"app": name}
	for k, v := range podLabels {
		labels[k] = v
	}
	one := int32(1)
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: &one,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.invalid/" + name + ":1"}}},
			},
		},
	}
	if _, err := c.Client.AppsV1().Deployments(ns).Create(context.Background(), d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func waitingReason(p *corev1.Pod) string {
	for _, cs := range p.Status.ContainerStatuses {
		if cs.State.Waiting != nil {
			return cs.State.Waiting.Reason
		}
	}
	return ""
}

// onlyRelease is the part of p that installs release name alone: its
// namespace, the Secrets there and the objects applied after it.
func onlyRelease(t *testing.T, p *render.Plan, name string) *render.Plan {
	t.Helper()
	r := p.Release(name)
	if r == nil {
		t.Fatalf("plan has no release %s", name)
	}
	out := &render.Plan{Namespaces: []string{r.Namespace}, Releases: []render.Release{*r}}
	out.Releases[0].Needs = nil
	for _, s := range p.Secrets {
		if s.Namespace == r.Namespace {
			out.Secrets = append(out.Secrets, s)
		}
	}
	for _, o := range p.Objects {
		if o.After == name {
			out.Objects = append(out.Objects, o)
		}
	}
	for _, cc := range p.ChartCopies {
		if cc.Release == name {
			out.ChartCopies = append(out.ChartCopies, cc)
		}
	}
	return out
}

// engineInstall installs plan through the engine and kube.Backend, as
// `harbor-installer install` does, and fails the test unless every release
// ends ready. It returns the backend for the test's own looks.
func engineInstall(t *testing.T, c *harness.Cluster, plan *render.Plan) *kube.Backend {
	t.Helper()
	client, err := kube.NewForConfig(c.Config, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	b, err := kube.NewBackend(client, kube.BackendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	sum, err := install.New(b, install.Options{Timeout: 3 * time.Minute, StallAfter: 45 * time.Second, BundleDir: t.TempDir()}).
		Run(context.Background(), plan, func(e install.Event) { t.Logf("%s %s %s", e.Type, e.Release, e.Error+e.Message) })
	if err != nil {
		t.Fatalf("install: %v", err)
	}
	t.Logf("installed in %s", time.Since(start).Round(time.Millisecond))
	for _, r := range sum.Releases {
		if r.Outcome != install.OutcomeReady {
			t.Errorf("release %s: %s, want ready", r.Name, r.Outcome)
		}
	}
	if len(sum.Releases) != len(plan.Releases) {
		t.Errorf("%d releases in the summary, want %d", len(sum.Releases), len(plan.Releases))
	}
	return b
}
