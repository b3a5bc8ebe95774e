package install

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/render"
)

// secretPlan has a generated password, an env answer, a copy, an htpasswd
// template over the copy, a key pair, and Harbor rolling on two Secrets.
func secretPlan() *render.Plan {
	h := rel("harbor")
	h.SecretRollouts = []render.SecretRollout{{Path: "core.podAnnotations", Secrets: []string{"harbor/internal", "harbor/ldap"}}}
	return &render.Plan{
		Secrets: []render.Secret{
			{Name: "internal", Namespace: "harbor", Keys: []render.SecretKey{
				{Key: "HTPASSWD", From: render.Source{Kind: render.FromTemplate, Template: "{{htpasswd .user .password}}", Inputs: map[string]render.Source{
					"user":     {Kind: render.FromValue, Value: "harbor_registry_user"},
					"password": {Kind: render.FromSecretKey, Secret: "harbor/internal", Key: "PASSWD"},
				}}},
				{Key: "PASSWD", From: render.Source{Kind: render.FromGenerated, Length: 32, Charset: render.CharsetAlphanumeric}},
				{Key: "tls.crt", From: render.Source{Kind: render.FromKeyPair, Part: "cert", CommonName: "harbor-token-ca"}},
				{Key: "tls.key", From: render.Source{Kind: render.FromKeyPair, Part: "key", CommonName: "harbor-token-ca"}},
			}},
			{Name: "ldap", Namespace: "harbor", Keys: []render.SecretKey{
				{Key: "bind", From: render.Source{Kind: render.FromAnswer, Answer: "ldap.bindPassword", Ref: "env:T_BIND", SecretRef: answers.NewSecretRef("env:T_BIND")}},
			}},
			{Name: "copy", Namespace: "minio", Keys: []render.SecretKey{
				{Key: "k", From: render.Source{Kind: render.FromSecretKey, Secret: "harbor/internal", Key: "PASSWD"}},
			}},
		},
		Releases: []render.Release{h},
	}
}

func data(f *fakeBackend, id, key string) string { return string(f.secrets[id].Data[key]) }

func TestSecretsNeverRotateAndRevisionBumpsOnlyOnChange(t *testing.T) {
	t.Setenv("T_BIND", "bind-one")
	f := newFake()
	p := secretPlan()
	var rec recorder
	if _, err := New(f, Options{}).Run(context.Background(), p, rec.sink); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.of(SecretCreated)); n != 3 {
		t.Fatalf("%d secret.created, want 3", n)
	}
	pw, ht, key := data(f, "harbor/internal", "PASSWD"), data(f, "harbor/internal", "HTPASSWD"), data(f, "harbor/internal", "tls.key")
	if len(pw) != 32 || !strings.HasPrefix(ht, "harbor_registry_user:$2") || data(f, "minio/copy", "k") != pw {
		t.Fatalf("resolved: pw %d chars, htpasswd %q..., copy equal %v", len(pw), ht[:10], data(f, "minio/copy", "k") == pw)
	}
	block, _ := pem.Decode([]byte(data(f, "harbor/internal", "tls.crt")))
	if block == nil {
		t.Fatal("tls.crt is not PEM")
	}
	if c, err := x509.ParseCertificate(block.Bytes); err != nil || c.Subject.CommonName != "harbor-token-ca" {
		t.Fatalf("cert %v %v", c, err)
	}
	core := f.specs[0].Values["core"].(map[string]any)["podAnnotations"].(map[string]any)
	if core[RolloutAnnotation("harbor/internal")] != "1" || core[RolloutAnnotation("harbor/ldap")] != "1" {
		t.Fatalf("rollout annotations %v", core)
	}

	// Second run: every value read back, nothing applied, no new revision.
	applies := len(f.applies)
	rec = recorder{}
	if _, err := New(f, Options{}).Run(context.Background(), p, rec.sink); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.of(SecretReused)); n != 3 || len(f.applies) != applies {
		t.Fatalf("second run: %d reused, %d applies", n, len(f.applies)-applies)
	}
	if data(f, "harbor/internal", "PASSWD") != pw || data(f, "harbor/internal", "HTPASSWD") != ht || data(f, "harbor/internal", "tls.key") != key {
		t.Fatal("a generated value, the htpasswd line or the key pair changed on the second run")
	}
	if rec.release("harbor", ReleaseUnchanged) == nil {
		t.Fatal("harbor not unchanged on the second run")
	}

	// A changed answer updates only its Secret, bumps its revision, and
	// rolls Harbor through the annotation.
	t.Setenv("T_BIND", "bind-two")
	rec = recorder{}
	if _, err := New(f, Options{}).Run(context.Background(), p, rec.sink); err != nil {
		t.Fatal(err)
	}
	up := rec.of(SecretUpdated)
	if len(up) != 1 || up[0].Secret != "harbor/ldap" || up[0].Revision != 2 {
		t.Fatalf("updated = %+v", up)
	}
	if f.secrets["harbor/internal"].Annotations[AnnotationRevision] != "1" || f.secrets["harbor/ldap"].Annotations[AnnotationRevision] != "2" {
		t.Error("revision annotations wrong")
	}
	last := f.specs[len(f.specs)-1]
	core = last.Values["core"].(map[string]any)["podAnnotations"].(map[string]any)
	if !last.Upgrade || core[RolloutAnnotation("harbor/ldap")] != "2" || core[RolloutAnnotation("harbor/internal")] != "1" {
		t.Errorf("harbor upgrade %v with annotations %v", last.Upgrade, core)
	}
	// The htpasswd line survives a changed password only if it still
	// matches: change the password in the cluster, the line is remade.
	f.secrets["harbor/internal"].Data["PASSWD"] = []byte("another-password")
	if _, err := New(f, Options{}).Run(context.Background(), p, nil); err != nil {
		t.Fatal(err)
	}
	if data(f, "harbor/internal", "HTPASSWD") == ht {
		t.Error("htpasswd line kept although the password changed")
	}
}

func TestAdoptedSecretIsReadBack(t *testing.T) {
	p := &render.Plan{
		Secrets: []render.Secret{{Name: "harbor-database", Namespace: "harbor", AdoptedBy: "harbor", Keys: []render.SecretKey{
			{Key: "POSTGRES_PASSWORD", From: render.Source{Kind: render.FromGenerated, Length: 20}},
		}}},
		Releases: []render.Release{rel("harbor")},
	}
	f := newFake()
	if _, err := New(f, Options{}).Run(context.Background(), p, nil); err != nil {
		t.Fatal(err)
	}
	s := f.secrets["harbor/harbor-database"]
	if s.Labels["app.kubernetes.io/managed-by"] != "Helm" || s.Annotations["meta.helm.sh/release-name"] != "harbor" || s.Annotations["meta.helm.sh/release-namespace"] != "harbor" {
		t.Fatalf("no Helm ownership metadata: %v %v", s.Labels, s.Annotations)
	}
	// The chart now keeps the value (its lookup may even have written its
	// own): the engine reads it back and does not apply over it.
	s.Data["POSTGRES_PASSWORD"] = []byte("chart-kept-value")
	applies := len(f.applies)
	var rec recorder
	if _, err := New(f, Options{}).Run(context.Background(), p, rec.sink); err != nil {
		t.Fatal(err)
	}
	if len(f.applies) != applies || data(f, "harbor/harbor-database", "POSTGRES_PASSWORD") != "chart-kept-value" {
		t.Error("adopted Secret overwritten")
	}
	if e := rec.of(SecretReused); len(e) != 1 || e[0].Message == "" {
		t.Errorf("reused = %+v", e)
	}
	res, err := ResolveSecrets(context.Background(), f, p)
	if err != nil || !containsString(res.Values(), "chart-kept-value") {
		t.Error("the chart-kept value is not among the run's values")
	}
}

func containsString(l []string, s string) bool {
	for _, v := range l {
		if v == s {
			return true
		}
	}
	return false
}

func TestResolveErrorsNameTheAnswerNotTheValue(t *testing.T) {
	p := &render.Plan{Secrets: []render.Secret{{Name: "s", Namespace: "n", Keys: []render.SecretKey{
		{Key: "k", From: render.Source{Kind: render.FromAnswer, Answer: "ldap.bindPassword", SecretRef: answers.NewSecretRef("env:T_UNSET_VAR_X")}},
	}}}}
	_, err := ResolveSecrets(context.Background(), newFake(), p)
	if err == nil || !strings.Contains(err.Error(), "ldap.bindPassword") || !strings.Contains(err.Error(), "T_UNSET_VAR_X") {
		t.Errorf("err = %v", err)
	}
	file := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(file, []byte("CERT"), 0o600)
	p.Secrets[0].Keys[0].From = render.Source{Kind: render.FromFile, Answer: "storage.trident.caFile", Path: file}
	res, err := ResolveSecrets(context.Background(), newFake(), p)
	if err != nil || string(res.Secrets[0].Spec.Data["k"]) != "CERT" {
		t.Errorf("file source: %v", err)
	}
	b, _ := json.Marshal(res.Secrets[0].Spec)
	if strings.Contains(string(b), "CERT") {
		t.Error("SecretSpec's JSON holds its data")
	}
}

func TestExecTemplate(t *testing.T) {
	out, err := ExecTemplate(`{"ldap_search_password":{{json .pw}},"x":1}`, map[string]string{"pw": `pa"ss{{x}}`}, "")
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := json.Unmarshal([]byte(out), &cfg); err != nil || cfg["ldap_search_password"] != `pa"ss{{x}}` {
		t.Errorf("json: %v %v", cfg, err)
	}
	h1, err := ExecTemplate("{{htpasswd .u .p}}", map[string]string{"u": "user", "p": "pw"}, "")
	if err != nil || !strings.HasPrefix(h1, "user:$2") {
		t.Fatalf("htpasswd = %q, %v", h1, err)
	}
	h2, _ := ExecTemplate("{{htpasswd .u .p}}", map[string]string{"u": "user", "p": "pw"}, h1)
	if h2 != h1 {
		t.Error("matching htpasswd line not kept")
	}
	h3, _ := ExecTemplate("{{htpasswd .u .p}}", map[string]string{"u": "user", "p": "other"}, h1)
	if h3 == h1 {
		t.Error("htpasswd line kept for a different password")
	}
	if _, err := ExecTemplate("{{.missing}}", map[string]string{"pw": "SECRETX"}, ""); err == nil || strings.Contains(err.Error(), "SECRETX") {
		t.Errorf("missing key: %v", err)
	}
}
