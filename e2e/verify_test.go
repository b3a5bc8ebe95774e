//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/harbor-installer/harbor-installer/harness"
	"github.com/harbor-installer/harbor-installer/render"
	"github.com/harbor-installer/harbor-installer/verify/harbortest"
)

// verifyBucket starts MinIO with a bucket for the registry's blobs and
// returns the S3 blob store the stand-in registry writes into, plus the
// answers' s3 section (keys in the environment, never in the file).
func verifyBucket(t *testing.T, redirectTo string) (*harbortest.S3Blobs, string) {
	t.Helper()
	m := harness.NewTestMinIO(t, harness.MinIOOptions{})
	mc, err := minio.New(m.Addr, &minio.Options{Creds: credentials.NewStaticV4(m.RootUser, m.RootPassword, ""), Region: m.Region,
		Transport: &http.Transport{Proxy: nil}})
	if err != nil {
		t.Fatal(err)
	}
	if err := mc.MakeBucket(context.Background(), "harbor-blobs", minio.MakeBucketOptions{Region: m.Region}); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VERIFY_S3_ACCESS", m.RootUser)
	t.Setenv("VERIFY_S3_SECRET", m.RootPassword)
	y := fmt.Sprintf("s3:\n  endpoint: %s\n  region: %s\n  bucket: harbor-blobs\n  accessKey: env:VERIFY_S3_ACCESS\n  secretKey: env:VERIFY_S3_SECRET\n", m.Endpoint, m.Region)
	return &harbortest.S3Blobs{Client: mc, Bucket: "harbor-blobs", RedirectTo: redirectTo}, y
}

// runVerify runs `harbor-installer verify -o json` on yaml and decodes the
// findings.
// vFinding is a finding as `verify -o json` writes it.
type vFinding struct {
	Step, Key, Level, Seen, Hint string
}

func worst(fs []vFinding) string {
	w := "ok"
	for _, f := range fs {
		if f.Level == "fail" || (f.Level == "warn" && w == "ok") {
			w = f.Level
		}
	}
	return w
}

func runVerify(t *testing.T, w *harbortest.World, yaml string, args ...string) (result, []vFinding) {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, "answers.yaml")
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	args = append([]string{"verify", "-f", file, "-o", "json", "--resolve", w.Resolve, "--timeout", "20s", "--health-wait", "2s"}, args...)
	r := run(t, nil, args...)
	var fs []vFinding
	if err := json.Unmarshal([]byte(r.stdout), &fs); err != nil {
		t.Fatalf("verify output is not JSON findings (exit %d): %v\nstdout: %s\nstderr: %s", r.code, err, r.stdout, r.stderr)
	}
	for _, f := range fs {
		t.Logf("%-4s %s: %s | %s", f.Level, f.Key, f.Seen, f.Hint)
	}
	return r, fs
}

func wantNamedFailure(t *testing.T, r result, fs []vFinding, key, text string) {
	t.Helper()
	if r.code != 1 {
		t.Errorf("exit code %d, want 1\nstderr: %s", r.code, r.stderr)
	}
	for _, f := range fs {
		if f.Key == key && f.Level == "fail" && strings.Contains(f.Seen, text) && f.Hint != "" {
			return
		}
	}
	t.Fatalf("no failure on %s saying %q with a fix", key, text)
}

// veleroWorld is a test cluster where Velero's BackupStorageLocation is
// Available and a Schedule runs at cron.
func veleroWorld(t *testing.T, cron string) *harness.Cluster {
	t.Helper()
	c := harness.NewTestCluster(t, harness.ClusterOptions{})
	ctx := context.Background()
	if err := c.StartOperators(ctx, harness.OperatorOptions{Velero: true, Delay: 100 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	schedGVR := schema.GroupVersionResource{Group: "velero.io", Version: "v1", Resource: "schedules"}
	crd := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
		"metadata": map[string]any{"name": "schedules.velero.io"},
		"spec": map[string]any{"group": "velero.io", "scope": "Namespaced",
			"names": map[string]any{"kind": "Schedule", "plural": "schedules", "singular": "schedule", "listKind": "ScheduleList"},
			"versions": []any{map[string]any{"name": "v1", "served": true, "storage": true,
				"schema": map[string]any{"openAPIV3Schema": map[string]any{"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}}}}}
	crdGVR := schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	if _, err := c.Dynamic.Resource(crdGVR).Create(ctx, crd, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "velero"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	bsl := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "velero.io/v1", "kind": "BackupStorageLocation",
		"metadata": map[string]any{"name": "default", "namespace": "velero"}, "spec": map[string]any{"provider": "aws"}}}
	if _, err := c.Dynamic.Resource(harness.BackupStorageLocationGVR).Namespace("velero").Create(ctx, bsl, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitStatus(ctx, harness.BackupStorageLocationGVR, "velero", "default", 30*time.Second, harness.StatusField{Field: "phase", Want: "Available"}); err != nil {
		t.Fatal(err)
	}
	sched := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "velero.io/v1", "kind": "Schedule",
		"metadata": map[string]any{"name": "harbor", "namespace": "velero"}, "spec": map[string]any{"schedule": cron}}}
	err := harness.WaitFor(ctx, 30*time.Second, "schedules CRD served", func(ctx context.Context) (bool, error) {
		_, err := c.Dynamic.Resource(schedGVR).Namespace("velero").Create(ctx, sched, metav1.CreateOptions{})
		return err == nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const e2eProjects = `  projects:
    - name: team-a
      quota: 5Gi
      robot: true
      members:
        - group: cn=developers,ou=groups,dc=example,dc=org
          role: developer
        - group: cn=auditors,ou=groups,dc=example,dc=org
          role: guest
`

func TestVerifyEveryCheckOKThenSetupOnce(t *testing.T) {
	l := harness.NewTestLDAP(t)
	blobs, s3yaml := verifyBucket(t, "")
	w := harbortest.NewWorld(t, harbortest.WorldOptions{LDAP: l, Blobs: blobs,
		OldImages: []string{"team-a/app:v1", "team-a/app:v2", "team-a/app:dev", "team-b/web:v1"},
		Options:   harbortest.Options{ReplicationDelay: 200 * time.Millisecond}})
	c := veleroWorld(t, "0 2 * * *")
	y := strings.Replace(w.YAML(l, s3yaml), "harbor:\n", "harbor:\n"+e2eProjects, 1)
	y = strings.Replace(y, "version: 1\n", "version: 1\ncluster:\n  kubeconfig: "+c.Kubeconfig+"\n", 1)
	y += fmt.Sprintf(`backup:
  enabled: true
  bucket: harbor-backups
  schedule: "0 2 * * *"
migration:
  enabled: true
  source:
    name: old
    url: %s
    type: docker-registry
  schedule: "30 1,13 * * *"
  startNow: true
  rules:
    - project: team-a
      filter: "team-a/**"
      tag: "v*"
`, w.OldURL)
	secrets := t.TempDir()
	r, fs := runVerify(t, w, y, "--secrets-dir", secrets)
	if r.code != 0 || worst(fs) != "ok" {
		t.Fatalf("exit %d, want every check ok\nstderr: %s", r.code, r.stderr)
	}
	want := map[string]string{
		"harbor.domain":            "certificate trusted for registry.example.test",
		"harbor":                   "every Harbor component is healthy",
		"harbor.adminPassword":     "admin logs in",
		"ldap.url":                 "binds to its LDAP server",
		"ldap.testUser":            "alice",
		"ldap.groupAdminDN":        "harbor-admins",
		"s3.bucket":                "blobs of the pushed image are in bucket harbor-blobs",
		"backup.bucket":            "default is Available",
		"backup.schedule":          `"0 2 * * *"`,
		"harbor.projects[0].robot": "robot$team-a+ci created",
		"migration.rules[0]":       "2 of 2 artifacts copied, 0 failed, succeeded",
	}
	for key, text := range want {
		found := false
		for _, f := range fs {
			found = found || (f.Key == key && strings.Contains(f.Seen, text))
		}
		if !found {
			t.Errorf("no ok finding on %s saying %q", key, text)
		}
	}
	// Push and pull went through the real registry into the real bucket;
	// the probe is gone from Harbor again.
	if p := w.Harbor.Project("team-a"); p == nil || p.Quota != 5<<30 || len(p.Members) != 2 || strings.Join(p.Repos, ",") != "team-a/app" {
		t.Errorf("team-a = %+v", p)
	}
	ps := w.Harbor.Policies()
	if len(ps) != 1 || ps[0].Cron != "0 30 1,13 * * *" || ps[0].NameFilter != "team-a/**" || ps[0].TagFilter != "v*" || ps[0].Trigger != "scheduled" {
		t.Errorf("policies = %+v", ps)
	}
	file := filepath.Join(secrets, "robot-team-a.json")
	st, err := os.Stat(file)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("robot secret file: %v %v", st, err)
	}
	secret := w.Harbor.RobotSecret("robot$team-a+ci")
	if strings.Contains(r.stdout+r.stderr, secret) || strings.Contains(r.stdout+r.stderr, w.Password) {
		t.Error("the output shows a secret")
	}
	setupWrites := func() []string {
		var out []string
		for _, wr := range w.Harbor.WriteLog() {
			if !strings.Contains(wr, "verify-") {
				out = append(out, wr)
			}
		}
		return out
	}
	before := setupWrites()

	r2, fs2 := runVerify(t, w, y, "--secrets-dir", secrets)
	if r2.code != 0 || worst(fs2) != "ok" {
		t.Fatalf("second run: exit %d", r2.code)
	}
	if after := setupWrites(); len(after) != len(before) {
		t.Errorf("second run changed Harbor: %v", after[len(before):])
	}
	if len(w.Harbor.Policies()) != 1 {
		t.Error("second run made another policy")
	}
}

func TestVerifyWrongAdminPassword(t *testing.T) {
	w := harbortest.NewWorld(t, harbortest.WorldOptions{})
	y := strings.Replace(w.YAML(nil, ""), "env:"+w.AdminEnv, "env:VERIFY_WRONG_PASSWORD", 1)
	t.Setenv("VERIFY_WRONG_PASSWORD", "not-the-admin-password")
	r, fs := runVerify(t, w, y, "--checks-only")
	wantNamedFailure(t, r, fs, "harbor.adminPassword", "admin cannot log in")
	if strings.Contains(r.stdout+r.stderr, "not-the-admin-password") {
		t.Error("the output shows the password")
	}
}

func TestVerifyLDAPPingFails(t *testing.T) {
	l := harness.NewTestLDAP(t)
	w := harbortest.NewWorld(t, harbortest.WorldOptions{LDAP: l, LDAPBindPassword: "stale-bind-password"})
	r, fs := runVerify(t, w, w.YAML(l, ""), "--checks-only")
	wantNamedFailure(t, r, fs, "ldap.url", "Harbor's LDAP ping with its stored settings failed")
}

func TestVerifyBlobNeverReachesBucket(t *testing.T) {
	_, s3yaml := verifyBucket(t, "")
	// The registry keeps blobs in memory: push and pull work, the bucket
	// stays empty, as with a registry left on its filesystem driver.
	w := harbortest.NewWorld(t, harbortest.WorldOptions{})
	r, fs := runVerify(t, w, w.YAML(nil, s3yaml), "--checks-only")
	wantNamedFailure(t, r, fs, "s3.bucket", "never reached bucket harbor-blobs")
}

func TestVerifyRedirectToUnreachableEndpoint(t *testing.T) {
	// Blob downloads redirect to a regionendpoint clients cannot reach
	// (the EKS seed's pitfall): a named failure, not a timeout.
	blobs, s3yaml := verifyBucket(t, "http://127.0.0.1:1")
	w := harbortest.NewWorld(t, harbortest.WorldOptions{Blobs: blobs})
	start := time.Now()
	r, fs := runVerify(t, w, w.YAML(nil, s3yaml), "--checks-only")
	wantNamedFailure(t, r, fs, "s3.disableRedirect", "redirected to the blob store at 127.0.0.1:1")
	if time.Since(start) > 15*time.Second {
		t.Errorf("took %s: the redirect failure should not wait for a timeout", time.Since(start))
	}
}

func TestVerifyCertificateForWrongName(t *testing.T) {
	w := harbortest.NewWorld(t, harbortest.WorldOptions{CertNames: []string{"old-name.example.test"}})
	r, fs := runVerify(t, w, w.YAML(nil, ""), "--checks-only")
	wantNamedFailure(t, r, fs, "tls.secretName", "certificate for the wrong name: it is valid for old-name.example.test")
}

func TestVerifyInClusterMinIOThroughS3Endpoint(t *testing.T) {
	// MinIO runs in the cluster: verify reads the key the installer
	// generated from its Secret and reaches the bucket at --s3-endpoint
	// (a port-forward in real life, the harness' MinIO here).
	blobs, _ := verifyBucket(t, "")
	w := harbortest.NewWorld(t, harbortest.WorldOptions{Blobs: blobs})
	c := harness.NewTestCluster(t, harness.ClusterOptions{})
	y := w.YAML(nil, fmt.Sprintf("minio:\n  enabled: true\n  bucket: harbor-blobs\n  harborUser: %s\n", os.Getenv("VERIFY_S3_ACCESS")))
	y = strings.Replace(y, "version: 1\n", "version: 1\ncluster:\n  kubeconfig: "+c.Kubeconfig+"\n", 1)
	a := w.Answers(t, y)
	ctx := context.Background()
	if _, err := c.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: a.MinIO.Namespace}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	endpoint := "http://" + blobs.Client.EndpointURL().Host

	// Before the Secret exists the bucket check says why it did not look.
	r, fs := runVerify(t, w, y, "--checks-only", "--s3-endpoint", endpoint)
	if r.code != 0 || !hasFinding(fs, "warn", "minio.bucket", "no generated key in Secret") {
		t.Fatalf("exit %d; want a warning naming the missing Secret", r.code)
	}
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: render.MinIOUserSecret(a, "harbor"), Namespace: a.MinIO.Namespace},
		Data: map[string][]byte{"secretKey": []byte(os.Getenv("VERIFY_S3_SECRET"))}}
	if _, err := c.Client.CoreV1().Secrets(a.MinIO.Namespace).Create(ctx, sec, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	r, fs = runVerify(t, w, y, "--checks-only", "--s3-endpoint", endpoint)
	if r.code != 0 || !hasFinding(fs, "ok", "minio.bucket", "blobs of the pushed image are in bucket harbor-blobs") {
		t.Fatalf("exit %d; want the blobs seen in the bucket", r.code)
	}
	if strings.Contains(r.stdout+r.stderr, os.Getenv("VERIFY_S3_SECRET")) {
		t.Error("the output shows MinIO's key")
	}
}

func hasFinding(fs []vFinding, level, key, text string) bool {
	for _, f := range fs {
		if f.Level == level && f.Key == key && strings.Contains(f.Seen, text) {
			return true
		}
	}
	return false
}

func TestVerifyTextStreamsReplicationProgress(t *testing.T) {
	w := harbortest.NewWorld(t, harbortest.WorldOptions{OldImages: []string{"app/a:v1", "app/b:v1", "app/c:v1"},
		Options: harbortest.Options{ReplicationDelay: 700 * time.Millisecond}})
	y := w.YAML(nil, fmt.Sprintf("migration:\n  enabled: true\n  source:\n    url: %s\n  startNow: true\n  rules:\n    - project: apps\n      filter: \"app/**\"\n", w.OldURL))
	file := filepath.Join(t.TempDir(), "answers.yaml")
	if err := os.WriteFile(file, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, nil, "verify", "-f", file, "--resolve", w.Resolve, "--health-wait", "2s", "--secrets-dir", t.TempDir())
	t.Log(r.stdout)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"answers.yaml:", "replication policy old-registry-to-apps created", "artifacts copied, 0 failed, in progress", "3 of 3 artifacts copied, 0 failed, succeeded", "ok, 0 warn, 0 fail"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("text output lacks %q", want)
		}
	}
}
