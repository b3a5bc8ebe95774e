//go:build e2e

package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/harness"
	"github.com/harbor-installer/harbor-installer/kube"
	"github.com/harbor-installer/harbor-installer/render"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestHarborKeepsInstallerSecrets installs Harbor as render.Build renders
// the dev preset on ReadWriteOnce volumes (the test chart stands in for
// 1.19.1 at the same value paths), with the plan's Secrets created first
// as the engine does: the chart adopts the internal database Secret and
// keeps its generated password (never changeit), core reads the pinned
// token key pair, and the registry and jobservice are recreated, not
// rolled, on their ReadWriteOnce volumes.
func TestHarborKeepsInstallerSecrets(t *testing.T) {
	c := harness.NewTestCluster(t, harness.ClusterOptions{})
	repo := harness.NewTestChartRepo(t, "")
	ctx := context.Background()
	l, err := answers.Load(answers.Options{Preset: "dev", Sets: []string{
		"harbor.domain=registry.example.org", "storage.storageClass=" + harness.StorageClassGP3,
	}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := render.Build(&l.Answers)
	if err != nil {
		t.Fatal(err)
	}
	r := p.Release("harbor")
	ns := makeNamespace(t, c, r.Namespace)
	createPlanSecrets(t, c, p, ns)
	var dbSecret *render.Secret
	for i := range p.Secrets {
		if p.Secrets[i].AdoptedBy == r.Name {
			dbSecret = &p.Secrets[i]
		}
	}
	if dbSecret == nil {
		t.Fatal("no Secret for the chart to adopt")
	}
	// What the engine does for AdoptedBy: Helm's ownership marks.
	s, err := c.Client.CoreV1().Secrets(ns).Get(ctx, dbSecret.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := string(s.Data["POSTGRES_PASSWORD"])
	s.Labels = map[string]string{"app.kubernetes.io/managed-by": "Helm"}
	s.Annotations = map[string]string{"meta.helm.sh/release-name": r.Name, "meta.helm.sh/release-namespace": ns}
	if _, err := c.Client.CoreV1().Secrets(ns).Update(ctx, s, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	if _, err := kube.InstallChart(ctx, kube.KubeconfigGetter(c.Kubeconfig, "", ns), ns, r.Name,
		kube.Chart{Ref: r.Chart.Name, RepoURL: repo.URL, Version: r.Chart.Version}, r.Values, 3*time.Minute); err != nil {
		t.Fatal(err)
	}
	got, err := c.Client.CoreV1().Secrets(ns).Get(ctx, dbSecret.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if pw := string(got.Data["POSTGRES_PASSWORD"]); pw != want || pw == "changeit" || pw == "" {
		t.Errorf("after install %s holds another password than the generated one (changeit: %v)", dbSecret.Name, pw == "changeit")
	}
	core, err := c.Client.CoreV1().Secrets(ns).Get(ctx, "harbor-core", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if string(core.Data["POSTGRESQL_PASSWORD"]) != want {
		t.Error("core does not get the generated database password")
	}
	dep, err := c.Client.AppsV1().Deployments(ns).Get(ctx, "harbor-core", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	token := false
	for _, v := range dep.Spec.Template.Spec.Volumes {
		token = token || v.Secret != nil && v.Secret.SecretName == "harbor-core-token"
	}
	if !token {
		t.Errorf("core does not mount the pinned token key pair: %+v", dep.Spec.Template.Spec.Volumes)
	}
	for _, d := range []string{"harbor-registry", "harbor-jobservice"} {
		dep, err := c.Client.AppsV1().Deployments(ns).Get(ctx, d, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if dep.Spec.Strategy.Type != "Recreate" {
			t.Errorf("%s strategy %s, want Recreate on ReadWriteOnce volumes", d, dep.Spec.Strategy.Type)
		}
	}
}
