//go:build e2e

package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/harness"
	"github.com/harbor-installer/harbor-installer/kube"
	"github.com/harbor-installer/harbor-installer/render"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestMinIOSpread installs MinIO as render.Build renders it (the test chart
// stands in for MinIO's 5.4.0) on the three-zone world and lets the real
// scheduler place the pods: the spread is even over all pods, each pool's
// pods per zone stay within what the model (answers.MinIOPodsPerAZ) and so
// the checks promise, and the PodDisruptionBudget is the layout's. It also
// shows on the real API server why the spread cannot be per pool.
func TestMinIOSpread(t *testing.T) {
	c := harness.NewTestCluster(t, harness.ClusterOptions{})
	repo := harness.NewTestChartRepo(t, "")
	ctx := context.Background()

	t.Run("PerPoolSpreadRefused", func(t *testing.T) {
		ns := makeNamespace(t, c, "spread-dup")
		per := func(indices ...string) corev1.TopologySpreadConstraint {
			return corev1.TopologySpreadConstraint{
				MaxSkew: 1, TopologyKey: harness.ZoneLabel, WhenUnsatisfiable: corev1.DoNotSchedule,
				LabelSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
					Key: "apps.kubernetes.io/pod-index", Operator: metav1.LabelSelectorOpIn, Values: indices,
				}}},
			}
		}
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: ns},
			Spec: corev1.PodSpec{
				Containers:                []corev1.Container{{Name: "c", Image: "example.invalid/x"}},
				TopologySpreadConstraints: []corev1.TopologySpreadConstraint{per("0", "1"), per("2", "3")},
			},
		}
		_, err := c.Client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err == nil || !strings.Contains(err.Error(), "Duplicate value") {
			t.Fatalf("one spread constraint per pool: err = %v, want the API server's Duplicate value", err)
		}
		t.Logf("API server: %v", err)
	})

	for _, tc := range []struct {
		name, sets string
		pods       int
		budget     int
	}{
		{"OnePoolOfFour", "", 4, 1},
		{"TwoPoolsOfFour", "minio.zones=2", 8, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sets := []string{"harbor.domain=registry.example.org", "minio.namespace=" + strings.ToLower(tc.name), "minio.memoryRequest=1Gi", "minio.volumeSize=1Gi"}
			if tc.sets != "" {
				sets = append(sets, tc.sets)
			}
			l, err := answers.Load(answers.Options{Preset: "eks-minio", Sets: sets})
			if err != nil {
				t.Fatal(err)
			}
			a := &l.Answers
			p, err := render.Build(a)
			if err != nil {
				t.Fatal(err)
			}
			r := p.Release(a.MinIO.ReleaseName)
			ns := makeNamespace(t, c, r.Namespace)
			createPlanSecrets(t, c, p, ns)
			rel, err := kube.InstallChart(ctx, kube.KubeconfigGetter(c.Kubeconfig, "", ns), ns, r.Name,
				kube.Chart{Ref: r.Chart.Name, RepoURL: repo.URL, Version: r.Chart.Version}, r.Values, 3*time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("installed %s %s", rel.Name, rel.Chart.Metadata.Version)

			pods, err := c.Client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=minio,release=" + r.Name})
			if err != nil {
				t.Fatal(err)
			}
			if len(pods.Items) != tc.pods {
				t.Fatalf("%d MinIO pods, want %d", len(pods.Items), tc.pods)
			}
			perZone := map[string]int{}
			perPool := map[string]int{} // "pool/zone"
			for _, pod := range pods.Items {
				if pod.Spec.NodeName == "" {
					t.Fatalf("pod %s not scheduled", pod.Name)
				}
				z := c.NodeZones[pod.Spec.NodeName]
				var idx int
				fmt.Sscan(pod.Name[strings.LastIndex(pod.Name, "-")+1:], &idx) // StatefulSet ordinal
				perZone[z]++
				perPool[fmt.Sprintf("pool %d/%s", idx/a.MinIO.NodesPerZone, z)]++
			}
			t.Logf("pods per zone %v, per pool and zone %v", perZone, perPool)
			lo, hi := tc.pods, 0
			for _, z := range []string{"zone-a", "zone-b", "zone-c"} {
				lo, hi = min(lo, perZone[z]), max(hi, perZone[z])
			}
			if hi-lo > 1 {
				t.Errorf("pods per zone %v: skew %d, want an even spread (maxSkew 1)", perZone, hi-lo)
			}
			bound := a.MinIOPodsPerAZ(3)
			for k, n := range perPool {
				if n > bound {
					t.Errorf("%s holds %d pods, more than the %d the checks promise", k, n, bound)
				}
			}
			pdb, err := c.Client.PolicyV1().PodDisruptionBudgets(ns).Get(ctx, "minio", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if pdb.Spec.MaxUnavailable == nil || pdb.Spec.MaxUnavailable.IntValue() != tc.budget || tc.budget != a.MinIODisruptionBudget() {
				t.Errorf("PodDisruptionBudget maxUnavailable %v, want %d", pdb.Spec.MaxUnavailable, tc.budget)
			}
		})
	}
}

// createPlanSecrets stands in for the engine's secret resolver for the
// plan Secrets of one namespace: every key gets a fresh random value, except
// plain (non-secret) values, which are taken as given.
func createPlanSecrets(t *testing.T, c *harness.Cluster, p *render.Plan, ns string) {
	t.Helper()
	for _, s := range p.Secrets {
		if s.Namespace != ns {
			continue
		}
		data := map[string][]byte{}
		for _, k := range s.Keys {
			if k.From.Kind == render.FromValue {
				data[k.Key] = []byte(k.From.Value)
				continue
			}
			b := make([]byte, 20)
			if _, err := rand.Read(b); err != nil {
				t.Fatal(err)
			}
			data[k.Key] = []byte(hex.EncodeToString(b))
		}
		_, err := c.Client.CoreV1().Secrets(ns).Create(context.Background(), &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: s.Name, Namespace: ns},
			Type:       corev1.SecretType(s.Type), Data: data,
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
	}
}
