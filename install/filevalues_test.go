package install

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/render"
)

const testCA = "-----BEGIN CERTIFICATE-----\nMIIBtestCAcontentQQQ\n-----END CERTIFICATE-----\n"

func writeCA(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// filePlan is Velero with a caCert inside a list item and an object after
// it with a CA field, both filled from file.
func filePlan(veleroCA, objectCA string) *render.Plan {
	v := rel("velero")
	v.Values = map[string]any{"configuration": map[string]any{"backupStorageLocation": []any{
		map[string]any{"name": "default", "caCert": ""},
	}}}
	v.FileValues = []render.FileValue{{Path: "configuration.backupStorageLocation.0.caCert", Answer: "s3.caFile", File: veleroCA, Encoding: render.EncodingBase64}}
	return &render.Plan{
		Namespaces: []string{"velero"},
		Releases:   []render.Release{v},
		Objects: []render.Object{{APIVersion: "trident.netapp.io/v1", Kind: "TridentBackendConfig", Name: "ontap", Namespace: "velero", After: "velero",
			Content:    map[string]any{"spec": map[string]any{"svm": "svm1", "trustedCACertificate": ""}},
			FileValues: []render.FileValue{{Path: "spec.trustedCACertificate", Answer: "storage.trident.caFile", File: objectCA, Encoding: render.EncodingBase64}},
		}},
	}
}

// at walks a values tree by a dotted path (numbers index lists).
func at(t *testing.T, tree map[string]any, path string) any {
	t.Helper()
	var cur any = tree
	for _, k := range strings.Split(path, ".") {
		switch n := cur.(type) {
		case map[string]any:
			cur = n[k]
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(n) {
				t.Fatalf("%s: index %s out of range", path, k)
			}
			cur = n[i]
		default:
			t.Fatalf("%s: %s is under a %T", path, k, cur)
		}
	}
	return cur
}

func objectOf(f *fakeBackend, kind string) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.objects) - 1; i >= 0; i-- {
		if f.objects[i]["kind"] == kind {
			return f.objects[i]
		}
	}
	return nil
}

func specValues(f *fakeBackend, name string) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.specs) - 1; i >= 0; i-- {
		if f.specs[i].Name == name {
			return f.specs[i].Values
		}
	}
	return nil
}

func TestFileValuesReachApplyAndApplyObject(t *testing.T) {
	ca := writeCA(t, testCA)
	want := base64.StdEncoding.EncodeToString([]byte(testCA))
	plan := filePlan(ca, ca)
	f := newFake()
	var rec recorder
	if _, err := New(f, Options{}).Run(context.Background(), plan, rec.sink); err != nil {
		t.Fatal(err)
	}
	if got := at(t, specValues(f, "velero"), "configuration.backupStorageLocation.0.caCert"); got != want {
		t.Errorf("Apply got caCert %q, want the base64 of the file %q", got, want)
	}
	if got := at(t, specValues(f, "velero"), "configuration.backupStorageLocation.0.name"); got != "default" {
		t.Errorf("the list item's other keys were lost: name = %v", got)
	}
	obj := objectOf(f, "TridentBackendConfig")
	if obj == nil {
		t.Fatal("no TridentBackendConfig applied")
	}
	if got := at(t, obj, "spec.trustedCACertificate"); got != want {
		t.Errorf("ApplyObject got trustedCACertificate %q, want %q", got, want)
	}
	// The plan itself is untouched: render's output stays file-free.
	if got := at(t, plan.Releases[0].Values, "configuration.backupStorageLocation.0.caCert"); got != "" {
		t.Errorf("the plan's values were changed: %q", got)
	}
	if got := at(t, plan.Objects[0].Content, "spec.trustedCACertificate"); got != "" {
		t.Errorf("the plan's object was changed: %q", got)
	}
	// Events stay small: neither the PEM nor its base64 is in one.
	b, _ := json.Marshal(rec.events)
	if strings.Contains(string(b), want) || strings.Contains(string(b), "MIIBtestCA") {
		t.Error("an event carries the CA file's content")
	}

	// The same file again: the release is unchanged (the comparison sees
	// the filled value, as Helm's record holds it).
	rec = recorder{}
	if _, err := New(f, Options{}).Run(context.Background(), plan, rec.sink); err != nil {
		t.Fatal(err)
	}
	if rec.release("velero", ReleaseUnchanged) == nil {
		t.Errorf("second run with the same CA file did not leave velero unchanged: %+v", rec.events)
	}

	// A new CA: the release upgrades with it.
	other := strings.Replace(testCA, "QQQ", "RRR", 1)
	if err := os.WriteFile(ca, []byte(other), 0o644); err != nil {
		t.Fatal(err)
	}
	rec = recorder{}
	if _, err := New(f, Options{}).Run(context.Background(), plan, rec.sink); err != nil {
		t.Fatal(err)
	}
	if e := rec.release("velero", ReleaseStarted); e == nil || e.Action != ActionUpgrade {
		t.Errorf("a changed CA file did not upgrade velero: %+v", e)
	}
	if got := at(t, specValues(f, "velero"), "configuration.backupStorageLocation.0.caCert"); got != base64.StdEncoding.EncodeToString([]byte(other)) {
		t.Errorf("upgrade sent caCert %q", got)
	}
}

func TestFileValueUnreadableNamesTheAnswer(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.pem")
	ca := writeCA(t, testCA)
	empty := writeCA(t, "\n")
	cases := []struct {
		name            string
		veleroCA, objCA string
		answer          string
		applied         bool
	}{
		{"release file missing", missing, ca, "s3.caFile", false},
		{"release file empty", empty, ca, "s3.caFile", false},
		{"object file missing", ca, missing, "storage.trident.caFile", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake()
			var rec recorder
			_, err := New(f, Options{BundleDir: t.TempDir()}).Run(context.Background(), filePlan(c.veleroCA, c.objCA), rec.sink)
			if !errors.Is(err, ErrFailed) {
				t.Fatalf("err = %v, want ErrFailed", err)
			}
			if !strings.Contains(err.Error(), "answer "+c.answer) {
				t.Errorf("error does not name answer %s: %v", c.answer, err)
			}
			if got := specValues(f, "velero") != nil; got != c.applied {
				t.Errorf("velero applied = %v, want %v", got, c.applied)
			}
			if objectOf(f, "TridentBackendConfig") != nil {
				t.Error("the object was applied without its CA")
			}
		})
	}
}

func TestSetPath(t *testing.T) {
	tree := map[string]any{"a": []any{map[string]any{"b": ""}, "x"}}
	if err := setPath(tree, "a.0.b", "v"); err != nil || at(t, tree, "a.0.b") != "v" {
		t.Errorf("a.0.b: %v %v", err, tree)
	}
	if err := setPath(tree, "a.1", "w"); err != nil || at(t, tree, "a.1") != "w" {
		t.Errorf("a.1: %v %v", err, tree)
	}
	if err := setPath(tree, "new.deep.key", "z"); err != nil || at(t, tree, "new.deep.key") != "z" {
		t.Errorf("new.deep.key: %v %v", err, tree)
	}
	for _, bad := range []string{"a.2.b", "a.x", "a.1.c"} {
		if err := setPath(tree, bad, "v"); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// TestRenderedPlansFillCAFiles runs render's onprem-trident and EKS
// external-S3 plans with a CA file set: Velero's values and Trident's
// backend object receive its base64.
func TestRenderedPlansFillCAFiles(t *testing.T) {
	t.Setenv("T_ONTAP_PASSWORD", "ontap-S3CRET-9923")
	t.Setenv("T_LDAP_BIND", "ldap-S3CRET-1187")
	t.Setenv("T_S3_ACCESS", "s3-access-S3CRET-7788")
	t.Setenv("T_S3_SECRET", "s3-secret-S3CRET-6642")
	ca := writeCA(t, testCA)
	want := base64.StdEncoding.EncodeToString([]byte(testCA))
	cases := map[string]string{
		"onprem-trident": `version: 1
preset: onprem-trident
harbor:
  domain: registry.corp.example
storage:
  trident:
    managementLIF: 10.0.0.10
    dataLIF: 10.0.0.11
    svm: svm_harbor
    password: env:T_ONTAP_PASSWORD
    caFile: CA
ldap:
  url: ldaps://ldap.corp.example:636
  caFile: CA
  bindDN: cn=harbor,ou=services,dc=corp,dc=example
  bindPassword: env:T_LDAP_BIND
  baseDN: ou=people,dc=corp,dc=example
`,
		"eks-external-s3": `version: 1
preset: eks-minio
harbor:
  domain: registry.example.org
minio:
  enabled: false
s3:
  endpoint: https://s3.example.org:9000
  region: eu-central-1
  bucket: harbor-blobs
  accessKey: env:T_S3_ACCESS
  secretKey: env:T_S3_SECRET
  caFile: CA
backup:
  enabled: true
  bucket: harbor-backups
`,
	}
	for name, text := range cases {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "answers.yaml")
			if err := os.WriteFile(file, []byte(strings.ReplaceAll(text, "caFile: CA", "caFile: "+ca)), 0o600); err != nil {
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
			f := newFake()
			if _, err := New(f, Options{}).Run(context.Background(), plan, nil); err != nil {
				t.Fatal(err)
			}
			checked := 0
			for _, r := range plan.Releases {
				for _, fv := range r.FileValues {
					checked++
					if got := at(t, specValues(f, r.Name), fv.Path); got != want {
						t.Errorf("release %s %s = %q, want the file's base64", r.Name, fv.Path, got)
					}
				}
			}
			for _, o := range plan.Objects {
				for _, fv := range o.FileValues {
					checked++
					obj := objectOf(f, o.Kind)
					if obj == nil {
						t.Fatalf("%s %s not applied", o.Kind, o.Name)
					}
					if got := at(t, obj, fv.Path); got != want {
						t.Errorf("%s %s %s = %q, want the file's base64", o.Kind, o.Name, fv.Path, got)
					}
				}
			}
			if checked == 0 {
				t.Fatal("the rendered plan has no file values; the caFile answer did not reach render")
			}
		})
	}
}
