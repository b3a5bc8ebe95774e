//go:build e2e

package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	helmchart "helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/harbor-installer/harbor-installer/kube"
	"github.com/harbor-installer/harbor-installer/steps"
)

// TestValidatePendingRelease leaves a pending-install record of Harbor's
// release in the real API server, written by Helm's own storage driver as a
// killed `helm install` leaves it: the cluster check reads it with the same
// driver, at the name and namespace render plans, and warns with the
// engine's repair, `harbor-installer install --recover`.
func TestValidatePendingRelease(t *testing.T) {
	w := theWorld(t)
	c, err := kube.Connect(w.cluster.Kubeconfig, "", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	secrets := c.Clientset.CoreV1().Secrets("harbor")
	rls := &release.Release{Name: "harbor", Namespace: "harbor", Version: 1,
		Info:  &release.Info{Status: release.StatusPendingInstall},
		Chart: &helmchart.Chart{Metadata: &helmchart.Metadata{Name: "harbor", Version: "1.19.1"}}}
	const key = "sh.helm.release.v1.harbor.v1"
	if err := driver.NewSecrets(secrets).Create(key, rls); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = secrets.Delete(context.Background(), key, metav1.DeleteOptions{}) })

	a := load(t, w.correctAnswers())
	fs := steps.LiveChecks()["cluster"](context.Background(), a, newEnv(t, a, e2eTimeout))
	var found bool
	for _, f := range fs {
		if f.Key == "harbor.releaseName" {
			found = true
			if f.Level != steps.Warn || !strings.Contains(f.Seen, "revision 1, pending-install") || !strings.Contains(f.Hint, "harbor-installer install --recover") {
				t.Errorf("pending release finding: %v", f)
			}
		}
	}
	if !found || len(keysAt(fs, steps.Fail)) > 0 {
		t.Errorf("want a warning on harbor.releaseName and no fail:\n%s", dump(fs))
	}
}
