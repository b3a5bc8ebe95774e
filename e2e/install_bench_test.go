//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"

	"github.com/harbor-installer/harbor-installer/harness"
)

// helmVersion is the helm CLI the benchmark compares with
// (hack/build-tools.sh helm builds it).
const helmVersion = "v3.22.0"

// BenchmarkInstallEKSMinIO installs the full eks-minio plan on a simulated
// 3-zone cluster whose pods take seconds to start and turn ready, twice:
// with the engine (`harbor-installer install`), then, after an uninstall
// that keeps the installer's Secrets and deletes the volumes, with the helm
// CLI installing the same releases with the same rendered values one after
// another with --wait. It prints both wall times and their ratio (target
// engine <= 0.65 x helm), the readiness latency (from the last object of a
// release turning ready, as an informer in this process saw it, to the
// engine's release.ready event; target < 200 ms), and the installer's
// peak RSS. Run by `make bench`; it is no pass/fail test.
func BenchmarkInstallEKSMinIO(b *testing.B) {
	helm, err := harness.ToolPath("helm", helmVersion)
	if err != nil {
		b.Skipf("%v (hack/build-tools.sh helm)", err)
	}
	for i := 0; i < b.N; i++ {
		benchOnce(b, helm)
	}
}

func benchOnce(b *testing.B, helm string) {
	ctx := context.Background()
	// Realistic seconds: a pod starts after ~2 s and turns ready ~6 s
	// later, each with up to 4 s of jitter; hook Jobs run 5 s.
	c := harness.NewTestCluster(b, harness.ClusterOptions{
		PodStartDelay: 2 * time.Second, PodReadyDelay: 6 * time.Second, PodJitter: 4 * time.Second, JobDuration: 5 * time.Second,
	})
	if err := c.StartOperators(context.Background(), harness.OperatorOptions{Trident: true, Velero: true, Delay: 2 * time.Second}); err != nil {
		b.Fatal(err)
	}
	repo := harness.NewTestChartRepo(b, "")
	dir := b.TempDir()
	env := []string{
		"KUBECONFIG=" + c.Kubeconfig, "HARBOR_INSTALLER_CHART_MIRROR=",
		"HELM_CACHE_HOME=" + filepath.Join(dir, "helm-cache"), "HELM_CONFIG_HOME=" + filepath.Join(dir, "helm-config"),
		"HELM_DATA_HOME=" + filepath.Join(dir, "helm-data"),
		"HELM_REPOSITORY_CONFIG=" + filepath.Join(dir, "helm-config", "repositories.yaml"),
		"HELM_REGISTRY_CONFIG=" + filepath.Join(dir, "helm-config", "registry.json"),
	}
	answersFile := filepath.Join(dir, "answers.yaml")
	text := fmt.Sprintf("version: 1\npreset: eks-minio\ncluster:\n  kubeconfig: %s\nharbor:\n  domain: registry.test\n", c.Kubeconfig) +
		fmt.Sprintf("charts:\n  harbor: {source: %[1]s, name: harbor, version: 1.19.1}\n  minio: {source: %[1]s, name: minio, version: 5.4.0}\n  velero: {source: %[1]s, name: velero, version: 12.1.0}\n", repo.URL)
	if err := os.WriteFile(answersFile, []byte(text), 0o600); err != nil {
		b.Fatal(err)
	}
	bin := binary(b)
	namespaces := map[string]string{"minio": "minio", "harbor": "harbor", "velero": "velero"}

	// The engine, watched by an independent informer.
	seen := watchReadiness(ctx, b, c, namespaces)
	start := time.Now()
	cmd := exec.Command(bin, "install", "--answers", answersFile, "--yes", "--output", "json")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	readyAt := map[string]time.Time{}
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e struct {
			Type, Release string
			Time          time.Time
		}
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.Type == "release.ready" {
			readyAt[e.Release] = e.Time
		}
	}
	if err := cmd.Wait(); err != nil {
		b.Fatalf("engine install: %v\n%s", err, stderr.String())
	}
	engine := time.Since(start)
	rssKB := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
	var lat []string
	var worst time.Duration
	for rel, ns := range namespaces {
		last, what := seen.last(ns)
		at, ok := readyAt[rel]
		if !ok || last.IsZero() {
			b.Fatalf("release %s: ready event %v, last object ready %v", rel, at, last)
		}
		d := at.Sub(last)
		worst = max(worst, d)
		lat = append(lat, fmt.Sprintf("%s %dms (after %s)", rel, d.Milliseconds(), what))
	}
	sort.Strings(lat)
	seen.stop()

	// Clean slate for helm: releases and volumes go, the installer's
	// Secrets (the values refer to them) stay.
	run := func(name string, args ...string) {
		cmd := exec.Command(name, args...)
		cmd.Env = append(os.Environ(), env...)
		if o, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%s %v: %v\n%s", filepath.Base(name), args, err, o)
		}
	}
	run(bin, "uninstall", "--answers", answersFile, "--yes")
	valuesDir := filepath.Join(dir, "values")
	run(bin, "render", "--answers", answersFile, "--out", valuesDir)
	for _, ns := range namespaces {
		if err := c.Client.CoreV1().PersistentVolumeClaims(ns).DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	err = harness.WaitFor(ctx, 2*time.Minute, "volumes and pods gone", func(ctx context.Context) (bool, error) {
		for _, ns := range namespaces {
			pvcs, err := c.Client.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{})
			if err != nil || len(pvcs.Items) > 0 {
				return false, err
			}
			pods, err := c.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
			if err != nil || len(pods.Items) > 0 {
				return false, err
			}
		}
		return true, nil
	})
	if err != nil {
		b.Fatal(err)
	}

	// helm, one release after another, each with --wait, in plan order.
	start = time.Now()
	for _, r := range []struct{ name, chart, version string }{{"minio", "minio", "5.4.0"}, {"harbor", "harbor", "1.19.1"}, {"velero", "velero", "12.1.0"}} {
		run(helm, "install", r.name, r.chart, "--repo", repo.URL, "--version", r.version, "-n", namespaces[r.name],
			"-f", filepath.Join(valuesDir, r.name+".values.yaml"), "--wait", "--timeout", "10m")
	}
	helmWall := time.Since(start)

	ratio := engine.Seconds() / helmWall.Seconds()
	report := fmt.Sprintf("eks-minio on the simulated 3-zone cluster (each pod starts 2-6 s after scheduling and turns ready 6-10 s later):\n"+
		"  engine (harbor-installer install): %s\n  helm %s CLI, one after another with --wait: %s\n  ratio engine/helm: %.2f (target <= 0.65)\n"+
		"  readiness latency, last object ready (informer) to release.ready: worst %d ms (target < 200 ms): %s\n"+
		"  installer peak RSS: %.1f MiB\n",
		engine.Round(time.Millisecond), helmVersion, helmWall.Round(time.Millisecond), ratio, worst.Milliseconds(), strings.Join(lat, ", "), float64(rssKB)/1024)
	fmt.Print(report)
	b.ReportMetric(engine.Seconds(), "engine-s")
	b.ReportMetric(helmWall.Seconds(), "helm-s")
	b.ReportMetric(ratio, "ratio")
	b.ReportMetric(float64(worst.Milliseconds()), "latency-ms")
	b.ReportMetric(float64(rssKB)/1024, "rss-MiB")
}

// readiness records, per namespace, when each workload, hook Job and
// BackupStorageLocation last turned ready, as this process's informers see
// it.
type readiness struct {
	mu     sync.Mutex
	readyT map[string]time.Time // "ns/Kind/name" -> when it turned ready (zero: not ready)
	cancel context.CancelFunc
}

func (r *readiness) set(ns, kind, name string, ready bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := ns + "/" + kind + "/" + name
	if !ready {
		r.readyT[k] = time.Time{}
		return
	}
	if t, ok := r.readyT[k]; !ok || t.IsZero() {
		r.readyT[k] = time.Now()
	}
}

// last is the latest time an object of ns turned ready, and which.
func (r *readiness) last(ns string) (time.Time, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var t time.Time
	what := ""
	for k, v := range r.readyT {
		if strings.HasPrefix(k, ns+"/") && v.After(t) {
			t, what = v, strings.TrimPrefix(k, ns+"/")
		}
	}
	return t, what
}

func (r *readiness) stop() { r.cancel() }

func watchReadiness(ctx context.Context, b *testing.B, c *harness.Cluster, namespaces map[string]string) *readiness {
	ctx, cancel := context.WithCancel(ctx)
	r := &readiness{readyT: map[string]time.Time{}, cancel: cancel}
	watched := map[string]bool{}
	for _, ns := range namespaces {
		watched[ns] = true
	}
	f := informers.NewSharedInformerFactory(c.Client, 0)
	on := func(handle func(obj any)) cache.ResourceEventHandler {
		return cache.ResourceEventHandlerFuncs{AddFunc: handle, UpdateFunc: func(_, o any) { handle(o) }}
	}
	_, _ = f.Apps().V1().Deployments().Informer().AddEventHandler(on(func(o any) {
		d := o.(*appsv1.Deployment)
		want := int32(1)
		if d.Spec.Replicas != nil {
			want = *d.Spec.Replicas
		}
		s := d.Status
		if watched[d.Namespace] {
			r.set(d.Namespace, "Deployment", d.Name, s.ObservedGeneration >= d.Generation && s.UpdatedReplicas == want && s.ReadyReplicas == want && s.AvailableReplicas == want)
		}
	}))
	_, _ = f.Apps().V1().StatefulSets().Informer().AddEventHandler(on(func(o any) {
		d := o.(*appsv1.StatefulSet)
		want := int32(1)
		if d.Spec.Replicas != nil {
			want = *d.Spec.Replicas
		}
		s := d.Status
		if watched[d.Namespace] {
			r.set(d.Namespace, "StatefulSet", d.Name, s.ObservedGeneration >= d.Generation && s.ReadyReplicas == want && s.UpdatedReplicas == want)
		}
	}))
	_, _ = f.Apps().V1().DaemonSets().Informer().AddEventHandler(on(func(o any) {
		d := o.(*appsv1.DaemonSet)
		s := d.Status
		if watched[d.Namespace] {
			r.set(d.Namespace, "DaemonSet", d.Name, s.ObservedGeneration >= d.Generation && s.DesiredNumberScheduled > 0 && s.NumberReady == s.DesiredNumberScheduled && s.UpdatedNumberScheduled == s.DesiredNumberScheduled)
		}
	}))
	_, _ = f.Batch().V1().Jobs().Informer().AddEventHandler(on(func(o any) {
		j := o.(*batchv1.Job)
		if !watched[j.Namespace] {
			return
		}
		for _, cond := range j.Status.Conditions {
			if cond.Type == batchv1.JobComplete && cond.Status == corev1.ConditionTrue {
				r.set(j.Namespace, "Job", j.Name, true)
				return
			}
		}
		r.set(j.Namespace, "Job", j.Name, false)
	}))
	df := dynamicinformer.NewDynamicSharedInformerFactory(c.Dynamic, 0)
	_, _ = df.ForResource(harness.BackupStorageLocationGVR).Informer().AddEventHandler(on(func(o any) {
		u := o.(*unstructured.Unstructured)
		phase, _, _ := unstructured.NestedString(u.Object, "status", "phase")
		if watched[u.GetNamespace()] {
			r.set(u.GetNamespace(), "BackupStorageLocation", u.GetName(), phase == "Available")
		}
	}))
	f.Start(ctx.Done())
	df.Start(ctx.Done())
	f.WaitForCacheSync(ctx.Done())
	df.WaitForCacheSync(ctx.Done())
	b.Cleanup(cancel)
	return r
}
