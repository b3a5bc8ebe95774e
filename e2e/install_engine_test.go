//go:build e2e

package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/harness"
	"github.com/harbor-installer/harbor-installer/install"
	"github.com/harbor-installer/harbor-installer/kube"
	"github.com/harbor-installer/harbor-installer/kube/model"
	"github.com/harbor-installer/harbor-installer/render"
)

// TestInstallEngineEKSMinio installs the eks-minio plan, as render builds
// it, through the engine and kube.Backend on the simulated cluster from the
// loopback repository: every release ends ready, a second run reports all
// unchanged, and no secret value is in any Helm release record or event.
func TestInstallEngineEKSMinio(t *testing.T) {
	c := harness.NewTestCluster(t, harness.ClusterOptions{})
	repo := harness.NewTestChartRepo(t, "")
	helmEnv(t)
	ctx := context.Background()
	// The chart brings the CRDs (Helm skips a crds/ file whose first CRD
	// a stand-in made already).
	if err := c.StartOperators(ctx, harness.OperatorOptions{Velero: true, Delay: time.Second, SkipCRDs: true}); err != nil {
		t.Fatal(err)
	}
	t.Setenv("E2E_ADMIN_PASSWORD", "adm1n-S3CRET-e2e-4471")
	file := filepath.Join(t.TempDir(), "answers.yaml")
	if err := os.WriteFile(file, []byte(`version: 1
preset: eks-minio
cluster:
  kubeconfig: `+c.Kubeconfig+`
harbor:
  domain: registry.test
  adminPassword: env:E2E_ADMIN_PASSWORD
charts:
  harbor: {source: `+repo.URL+`}
  minio: {source: `+repo.URL+`, name: minio, version: 5.4.0}
  velero: {source: `+repo.URL+`}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := answers.Load(answers.Options{File: file})
	if err != nil {
		t.Fatal(err)
	}
	plan, err := render.Build(&l.Answers)
	if err != nil {
		t.Fatal(err)
	}
	client, err := kube.NewForConfig(c.Config, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	b, err := kube.NewBackend(client, kube.BackendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var events []install.Event
	sink := func(e install.Event) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, e)
		t.Logf("%7.1fs %s %s %s %s", e.Elapsed.Seconds(), e.Type, e.Release, engineRefName(e.Object), e.Error+e.Message)
	}
	opts := install.Options{Timeout: 3 * time.Minute, StallAfter: 45 * time.Second, BundleDir: t.TempDir()}
	start := time.Now()
	sum, err := install.New(b, opts).Run(ctx, plan, sink)
	if err != nil {
		t.Fatalf("install: %v (bundle %s)", err, sum.BundlePath)
	}
	t.Logf("installed in %s", time.Since(start).Round(time.Millisecond))
	for _, r := range sum.Releases {
		if r.Outcome != install.OutcomeReady || r.Revision != 1 {
			t.Errorf("%s: %s revision %d", r.Name, r.Outcome, r.Revision)
		}
	}
	readyWorkloads := map[string]bool{}
	for _, e := range events {
		if e.Type == install.ObjectProgress && e.State == model.Ready {
			readyWorkloads[e.Object.Kind+"/"+e.Object.Name] = true
		}
	}
	for _, w := range []string{"StatefulSet/minio", "Deployment/harbor-core", "Deployment/velero"} {
		if !readyWorkloads[w] {
			t.Errorf("%s never reported ready in the event stream", w)
		}
	}

	// The second run changes nothing.
	mu.Lock()
	first := len(events)
	mu.Unlock()
	start = time.Now()
	sum, err = install.New(b, opts).Run(ctx, plan, sink)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("second run in %s", time.Since(start).Round(time.Millisecond))
	for _, r := range sum.Releases {
		if r.Outcome != install.OutcomeUnchanged || r.Revision != 1 {
			t.Errorf("second run: %s %s revision %d", r.Name, r.Outcome, r.Revision)
		}
	}

	// No secret value in a Helm release record or an event, except where
	// plan.yaml says the chart itself stores one.
	res, err := install.ResolveSecrets(ctx, b, plan)
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{}
	for _, cc := range plan.ChartCopies {
		for _, s := range res.Secrets {
			if s.ID == cc.Secret {
				allowed[string(s.Spec.Data[cc.Key])] = true
			}
		}
	}
	var values []string
	for _, v := range res.Values() {
		if !allowed[v] && len(v) >= 6 {
			values = append(values, v)
		}
	}
	if !engineHasValue(values, "adm1n-S3CRET-e2e-4471") {
		t.Fatal("the admin password is not among the resolved values")
	}
	records := map[string][]byte{}
	for _, ns := range plan.Namespaces {
		list, err := c.Client.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{LabelSelector: "owner=helm"})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range list.Items {
			records[ns+"/"+s.Name] = decodeRelease(t, s.Data["release"])
		}
	}
	if len(records) < len(plan.Releases) {
		t.Fatalf("found %d Helm release records", len(records))
	}
	mu.Lock()
	evJSON, _ := json.Marshal(events[:first])
	mu.Unlock()
	records["events"] = evJSON
	for name, rec := range records {
		for _, v := range values {
			if bytes.Contains(rec, []byte(v)) || bytes.Contains(rec, []byte(base64.StdEncoding.EncodeToString([]byte(v)))) {
				t.Errorf("%s holds a secret value (%d chars)", name, len(v))
			}
		}
	}
}

func engineRefName(r *model.ObjectRef) string {
	if r == nil {
		return ""
	}
	return r.String()
}

func engineHasValue(l []string, s string) bool {
	for _, v := range l {
		if v == s {
			return true
		}
	}
	return false
}

// decodeRelease turns a Helm release Secret's data into its JSON.
func decodeRelease(t *testing.T, data []byte) []byte {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(string(data))
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) > 2 && raw[0] == 0x1f && raw[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if raw, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(string(raw), `"name"`) {
		t.Fatal("not a release record")
	}
	return raw
}
