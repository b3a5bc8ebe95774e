package answers

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func load(t *testing.T, yamlText string, opts Options) (*Loaded, error) {
	t.Helper()
	opts.File = "answers.yaml"
	opts.Data = []byte(yamlText)
	return Load(opts)
}

func TestLoadErrorsNameFileLineAndKey(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown key with suggestion", "version: 1\nharbor:\n  domian: x.example.org\n",
			[]string{"answers.yaml:3: harbor.domian: unknown key", "did you mean harbor.domain?"}},
		{"unknown top-level key", "version: 1\nfoo: 1\n", []string{"answers.yaml:2: foo: unknown key"}},
		{"wrong type int", "version: 1\nminio:\n  zones: two\n", []string{"answers.yaml:3: minio.zones: want a whole number"}},
		{"wrong type bool", "version: 1\nldap:\n  enabled: maybe\n", []string{"answers.yaml:3: ldap.enabled: want true or false"}},
		{"bad enum", "version: 1\ntls:\n  mode: secrets\n", []string{"answers.yaml:3: tls.mode: \"secrets\" is not a valid choice", "did you mean secret?"}},
		{"mapping for scalar", "version: 1\nharbor:\n  domain:\n    a: b\n", []string{"answers.yaml:4: harbor.domain: want a single value"}},
		{"list for struct", "version: 1\nharbor: [1]\n", []string{"answers.yaml:2: harbor: want a mapping"}},
		{"replicas junk", "version: 1\nharbor:\n  replicas: many\n", []string{"answers.yaml:3: harbor.replicas: want a whole number or a map"}},
		{"replicas unknown component", "version: 1\nharbor:\n  replicas:\n    coer: 2\n", []string{"answers.yaml:4: harbor.replicas.coer: unknown key", "did you mean harbor.replicas.core?"}},
		{"unknown key inside list", "version: 1\nharbor:\n  projects:\n    - name: a\n      pubic: true\n", []string{"answers.yaml:5: harbor.projects[0].pubic: unknown key"}},
		{"missing version", "harbor:\n  domain: a.example.org\n", []string{"answers.yaml:1: version: missing"}},
		{"unsupported version", "version: 2\n", []string{"answers.yaml:1: version: version 2 is not supported"}},
		{"syntax error", "version: 1\nharbor:\n  domain: [\n", []string{"answers.yaml:", "YAML syntax"}},
		{"duplicate key", "version: 1\ntls:\n  mode: auto\n  mode: none\n", []string{"answers.yaml:4: tls.mode"}},
		{"literal secret refused", "version: 1\nharbor:\n  adminPassword: hunter2\n", []string{"answers.yaml:3: harbor.adminPassword: holds a literal secret", "env:HARBOR_ADMIN_PASSWORD"}},
		{"unknown preset", "version: 1\npreset: nope\n", []string{"answers.yaml:2: preset: unknown preset \"nope\"", "dev, eks-minio, onprem-trident"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := load(t, c.yaml, Options{})
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("want *LoadError, got %v", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err.Error(), w)
				}
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error leaks the secret: %q", err.Error())
			}
		})
	}
}

func TestLoadLayersAndOrigins(t *testing.T) {
	l, err := load(t, "version: 1\npreset: eks-minio\nharbor:\n  domain: Registry.example.org\n", Options{Sets: []string{"harbor.replicas.registry=4", "ingress.annotations.a\\.b/c=1"}})
	if err != nil {
		t.Fatal(err)
	}
	a := l.Answers
	if a.Preset != "eks-minio" || !a.MinIO.Enabled || a.Storage.Provider != "ebs" {
		t.Errorf("preset not applied: %+v", a.MinIO)
	}
	if got := a.ExternalURL(); got != "https://registry.example.org" {
		t.Errorf("ExternalURL = %s", got)
	}
	if a.Harbor.Replicas.Of("core") != 3 || a.Harbor.Replicas.Of("registry") != 4 || a.Harbor.Replicas.Of("portal") != 2 {
		t.Errorf("replicas merged wrong: %+v", a.Harbor.Replicas)
	}
	if a.Ingress.Annotations["a.b/c"] != "1" {
		t.Errorf("escaped --set key: %v", a.Ingress.Annotations)
	}
	if a.Harbor.Namespace != "harbor" || a.Charts.Harbor.Version != "1.19.1" {
		t.Errorf("defaults missing: %+v", a.Harbor)
	}
	if p := l.Pos("harbor.domain"); p.String() != "answers.yaml:4" {
		t.Errorf("origin of harbor.domain = %q", p)
	}
	if p := l.Pos("minio.zones"); p.Source != "preset eks-minio" || p.Line == 0 {
		t.Errorf("origin of minio.zones = %q", p)
	}
	if p := l.Pos("harbor.replicas.registry"); p.String() != "--set harbor.replicas.registry" {
		t.Errorf("origin of --set key = %q", p)
	}
}

func TestSetTypesAndErrors(t *testing.T) {
	l, err := load(t, "version: 1\n", Options{Sets: []string{"minio.enabled=true", "minio.zones=3", "harbor.domain=a.example.org", "minio.image.tag=1.0"}})
	if err != nil {
		t.Fatal(err)
	}
	if !l.Answers.MinIO.Enabled || l.Answers.MinIO.Zones != 3 || l.Answers.MinIO.Image.Tag != "1.0" {
		t.Errorf("--set values: %+v", l.Answers.MinIO)
	}
	for _, bad := range []string{"novalue", "minio.zonez=1", "minio.zones=x", "harbor.projects[0].name=a", "=1"} {
		if _, err := load(t, "version: 1\n", Options{Sets: []string{bad}}); err == nil {
			t.Errorf("--set %s: want error", bad)
		} else if !strings.Contains(err.Error(), "--set") {
			t.Errorf("--set %s: error does not name --set: %v", bad, err)
		}
	}
	// A literal secret on the command line is refused too: it would sit in
	// the process list.
	if _, err := load(t, "version: 1\n", Options{Sets: []string{"ldap.bindPassword=s3cret"}}); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("literal secret in --set: %v", err)
	}
}

func TestSecretReferences(t *testing.T) {
	dir := t.TempDir()
	pw := filepath.Join(dir, "pw")
	if err := os.WriteFile(pw, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TEST_LDAP_PW", "from-env")
	l, err := load(t, "version: 1\nldap:\n  bindPassword: env:TEST_LDAP_PW\nharbor:\n  adminPassword: file:"+pw+"\n", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := l.Answers.LDAP.BindPassword.Resolve(); err != nil || v != "from-env" {
		t.Errorf("env: resolve = %q, %v", v, err)
	}
	if v, err := l.Answers.Harbor.AdminPassword.Resolve(); err != nil || v != "from-file" {
		t.Errorf("file: resolve = %q, %v", v, err)
	}
	if _, err := NewSecretRef("env:SURELY_NOT_SET_X").Resolve(); err == nil || !strings.Contains(err.Error(), "SURELY_NOT_SET_X") {
		t.Errorf("missing env: %v", err)
	}
	if _, err := NewSecretRef("file:" + filepath.Join(dir, "nope")).Resolve(); err == nil {
		t.Error("missing file: want error")
	}
	if NewSecretRef("hunter2").String() == "hunter2" {
		t.Error("String() shows a literal secret")
	}

	l, err = load(t, "version: 1\nharbor:\n  adminPassword: hunter2\n", Options{AllowLiteralSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Warnings) != 1 || !strings.Contains(l.Warnings[0].String(), "harbor.adminPassword") || strings.Contains(l.Warnings[0].String(), "hunter2") {
		t.Errorf("warnings = %v", l.Warnings)
	}
}

func TestSaveNeverWritesSecrets(t *testing.T) {
	l, err := load(t, "version: 1\nharbor:\n  domain: a.example.org\n  adminPassword: hunter2\nldap:\n  bindPassword: env:X\n", Options{AllowLiteralSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "saved.yaml")
	replaced, err := Save(path, &l.Answers)
	if err != nil {
		t.Fatal(err)
	}
	if len(replaced) != 1 || replaced[0] != "harbor.adminPassword" {
		t.Errorf("replaced = %v", replaced)
	}
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), "hunter2") {
		t.Fatal("saved answers hold the secret")
	}
	// The saved file replays to the same answers.
	l2, err := Load(Options{File: path})
	if err != nil {
		t.Fatalf("saved file does not load: %v", err)
	}
	if l2.Answers.Harbor.Domain != "a.example.org" || l2.Answers.Harbor.AdminPassword.String() != "env:HARBOR_ADMIN_PASSWORD" || l2.Answers.LDAP.BindPassword.String() != "env:X" {
		t.Errorf("replay differs: %+v", l2.Answers.Harbor)
	}
}

func TestEveryPresetLoads(t *testing.T) {
	for _, name := range []string{"dev", "eks-minio", "onprem-trident"} {
		if _, err := Load(Options{Preset: name}); err != nil {
			t.Errorf("preset %s: %v", name, err)
		}
	}
}

func TestExplain(t *testing.T) {
	out, err := Explain("tls.mode")
	if err != nil || !strings.Contains(out, "choices: secret, files, auto, none") || !strings.Contains(out, "default: secret") {
		t.Errorf("Explain(tls.mode) = %q, %v", out, err)
	}
	if _, err := Explain("tls.mdoe"); err == nil || !strings.Contains(err.Error(), "did you mean tls.mode?") {
		t.Errorf("Explain(typo) = %v", err)
	}
	out, _ = Explain("harbor.projects")
	if !strings.Contains(out, "harbor.projects[].members[].role") {
		t.Errorf("nested list fields missing: %q", out)
	}
}

func TestEnvNameFor(t *testing.T) {
	for in, want := range map[string]string{"harbor.adminPassword": "HARBOR_ADMIN_PASSWORD", "ldap.bindPassword": "LDAP_BIND_PASSWORD", "s3.accessKey": "S3_ACCESS_KEY", "minio.harborSecretKey": "MINIO_HARBOR_SECRET_KEY"} {
		if got := EnvNameFor(in); got != want {
			t.Errorf("EnvNameFor(%s) = %s, want %s", in, got, want)
		}
	}
}

// BenchmarkLoadPresetWithSets measures loading as the CLI does on every run:
// defaults, a preset, a file and --set layers, strictly checked.
func BenchmarkLoadPresetWithSets(b *testing.B) {
	data := []byte("version: 1\npreset: eks-minio\nharbor:\n  domain: registry.example.org\n  projects:\n    - name: team-a\n      public: false\n")
	opts := Options{File: "answers.yaml", Data: data, Sets: []string{"minio.zones=4", "harbor.replicas.core=3"}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Load(opts); err != nil {
			b.Fatal(err)
		}
	}
}
