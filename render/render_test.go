package render

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/harbor-installer/harbor-installer/answers"
	"gopkg.in/yaml.v3"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/golden")

// testCase is one golden case: a preset plus an answers file over it.
type testCase struct {
	name, preset, answers string
}

// Secret answers point at these variables; secretEnv holds distinctive
// values the leak test sets and then looks for in every written file.
var secretEnv = map[string]string{
	"T_ADMIN_PASSWORD":   "adm1n-S3CRET-value-4471",
	"T_ONTAP_PASSWORD":   "ontap-S3CRET-value-9923",
	"T_LDAP_BIND":        "ldap-S3CRET-value-1187",
	"T_MINIO_ROOT":       "minio-root-S3CRET-5590",
	"T_MINIO_HARBOR":     "minio-harbor-S3CRET-3310",
	"T_S3_ACCESS":        "s3-access-S3CRET-7788",
	"T_S3_SECRET":        "s3-secret-S3CRET-6642",
	"T_DB_PASSWORD":      "db-S3CRET-value-2209",
	"T_REDIS_PASSWORD":   "redis-S3CRET-value-8815",
	"LDAP_BIND_PASSWORD": "ldap-preset-S3CRET-5521",
}

var cases = []testCase{
	{name: "dev", preset: "dev", answers: "version: 1\n"},
	{name: "onprem-trident", preset: "onprem-trident", answers: `version: 1
harbor:
  domain: registry.corp.example
  adminPassword: env:T_ADMIN_PASSWORD
storage:
  trident:
    managementLIF: 10.0.0.10
    dataLIF: 10.0.0.11
    svm: svm_harbor
    password: env:T_ONTAP_PASSWORD
    caFile: /etc/harbor-installer/ontap-ca.pem
ldap:
  url: ldaps://ldap.corp.example:636
  caFile: /etc/harbor-installer/ldap-ca.pem
  bindDN: cn=harbor,ou=services,dc=corp,dc=example
  bindPassword: env:T_LDAP_BIND
  baseDN: ou=people,dc=corp,dc=example
  filter: (objectClass=person)
  groupBaseDN: ou=groups,dc=corp,dc=example
  groupAdminDN: cn=harbor-admins,ou=groups,dc=corp,dc=example
`},
	{name: "eks-minio", preset: "eks-minio", answers: `version: 1
harbor:
  domain: registry.example.org
`},
	{name: "eks-minio-bitnami", preset: "eks-minio", answers: `version: 1
cluster:
  domain: k8s.example.internal
harbor:
  domain: registry.example.org
ingress:
  alb:
    certificateARN: arn:aws:acm:eu-west-1:123456789012:certificate/0b1c2d3e
minio:
  chart: bitnami
  rootPassword: env:T_MINIO_ROOT
  harborSecretKey: env:T_MINIO_HARBOR
`},
	{name: "external-s3", preset: "dev", answers: `version: 1
harbor:
  domain: registry.example.org
  replicas: 2
  trivy: true
tls:
  mode: secret
  secretName: registry-tls
storage:
  provider: ebs
  storageClass: gp3
s3:
  endpoint: https://s3.example.org:9000
  region: eu-central-1
  bucket: harbor-blobs
  accessKey: env:T_S3_ACCESS
  secretKey: env:T_S3_SECRET
  caFile: /etc/ssl/private-ca.pem
  disableRedirect: true
backup:
  enabled: true
  bucket: harbor-backups
`},
	{name: "external-db-redis", preset: "dev", answers: `version: 1
harbor:
  domain: Registry.Example.org
  metrics: true
  replicas:
    default: 1
    core: 2
    portal: 2
  database:
    type: external
    host: pg.example.org
    port: 5433
    user: harbor
    password: env:T_DB_PASSWORD
    database: harbor_core
    sslmode: verify-full
    caFile: /etc/harbor-installer/pg-ca.pem
  redis:
    type: external
    addr: redis-a.example.org:26379,redis-b.example.org:26379
    sentinelMasterSet: mymaster
    password: env:T_REDIS_PASSWORD
tls:
  mode: files
  secretName: harbor-tls
  certFile: /etc/harbor-installer/tls.crt
  keyFile: /etc/harbor-installer/tls.key
ingress:
  annotations:
    nginx.ingress.kubernetes.io/proxy-body-size: 10g
    cert-manager.io/cluster-issuer: corp-ca
`},
}

func loadCase(t *testing.T, c testCase) *answers.Answers {
	t.Helper()
	l, err := answers.Load(answers.Options{File: c.name + ".answers.yaml", Data: []byte(c.answers), Preset: c.preset})
	if err != nil {
		t.Fatalf("load answers: %v", err)
	}
	return &l.Answers
}

func buildCase(t *testing.T, c testCase) *Plan {
	t.Helper()
	p, err := Build(loadCase(t, c))
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	return p
}

// readDir returns every file under dir by relative name.
func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		out[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestGolden(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := buildCase(t, c)
			got := t.TempDir()
			if err := p.WriteDir(got); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "golden", c.name)
			if *update {
				if err := os.RemoveAll(golden); err != nil {
					t.Fatal(err)
				}
				if err := p.WriteDir(golden); err != nil {
					t.Fatal(err)
				}
				return
			}
			g, w := readDir(t, got), readDir(t, golden)
			for name, b := range g {
				if !bytes.Equal(b, w[name]) {
					t.Errorf("%s differs from %s (run go test ./render -update and review the diff)\n--- got\n%s", name, filepath.Join(golden, name), b)
				}
			}
			for name := range w {
				if _, ok := g[name]; !ok {
					t.Errorf("%s is in the golden set but not written", name)
				}
			}
		})
	}
}

func TestBuildDeterministic(t *testing.T) {
	for _, c := range cases {
		a, b := buildCase(t, c), buildCase(t, c)
		ya, _ := a.YAML()
		yb, _ := b.YAML()
		if !bytes.Equal(ya, yb) {
			t.Errorf("%s: plan.yaml differs between two builds", c.name)
		}
		for i := range a.Releases {
			va, _ := a.Releases[i].ValuesYAML()
			vb, _ := b.Releases[i].ValuesYAML()
			if !bytes.Equal(va, vb) {
				t.Errorf("%s: %s values differ between two builds", c.name, a.Releases[i].Name)
			}
		}
	}
}

func TestNoSecretValueWritten(t *testing.T) {
	for k, v := range secretEnv {
		t.Setenv(k, v)
	}
	for _, c := range cases {
		p := buildCase(t, c)
		dir := t.TempDir()
		if err := p.WriteDir(dir); err != nil {
			t.Fatal(err)
		}
		for name, b := range readDir(t, dir) {
			for k, v := range secretEnv {
				if bytes.Contains(b, []byte(v)) {
					t.Errorf("%s/%s holds the value of %s", c.name, name, k)
				}
			}
			info, err := os.Stat(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			if info.Mode().Perm() != 0o644 {
				t.Errorf("%s/%s: mode %v, want 0644", c.name, name, info.Mode().Perm())
			}
		}
		if entries, _ := os.ReadDir(dir); len(entries) != len(p.Releases)+1 {
			t.Errorf("%s: %d entries in the plan dir, want %d (temp dir left behind?)", c.name, len(entries), len(p.Releases)+1)
		}
	}
}

func TestWriteDirFailureLeavesNothing(t *testing.T) {
	p := buildCase(t, cases[0])
	dir := t.TempDir()
	// A directory where a values file must go makes the final rename fail.
	if err := os.Mkdir(filepath.Join(dir, "plan.yaml"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "plan.yaml", "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := p.WriteDir(dir); err == nil {
		t.Fatal("WriteDir succeeded over a directory named plan.yaml")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".plan-") {
			t.Errorf("temp dir %s left behind", e.Name())
		}
	}
}

func TestPlanShape(t *testing.T) {
	order := func(p *Plan) string {
		var n []string
		for _, r := range p.Releases {
			n = append(n, r.Name)
		}
		return strings.Join(n, ",")
	}
	want := map[string]string{
		"dev":               "harbor",
		"onprem-trident":    "trident-operator,harbor",
		"eks-minio":         "minio,harbor,velero",
		"eks-minio-bitnami": "minio,harbor,velero",
		"external-s3":       "harbor,velero",
		"external-db-redis": "harbor",
	}
	for _, c := range cases {
		p := buildCase(t, c)
		if got := order(p); got != want[c.name] {
			t.Errorf("%s: releases %s, want %s", c.name, got, want[c.name])
		}
		// A secretKey source must name a Secret earlier in the plan.
		seen := map[string]bool{}
		for _, s := range p.Secrets {
			var check func(src Source)
			check = func(src Source) {
				if src.Kind == FromSecretKey && !seen[src.Secret] && src.Secret != s.Namespace+"/"+s.Name {
					t.Errorf("%s: secret %s/%s copies from %s, which comes later or not at all", c.name, s.Namespace, s.Name, src.Secret)
				}
				for _, in := range src.Inputs {
					check(in)
				}
			}
			for _, k := range s.Keys {
				check(k.From)
			}
			seen[s.Namespace+"/"+s.Name] = true
		}
	}
}

func TestHarborValues(t *testing.T) {
	p := buildCase(t, cases[2]) // eks-minio
	h := p.Release("harbor").Values
	get := func(path string) any {
		var cur any = h
		for _, k := range strings.Split(path, ".") {
			m, ok := cur.(map[string]any)
			if !ok {
				return nil
			}
			cur = m[k]
		}
		return cur
	}
	checks := map[string]any{
		"externalURL": "https://registry.example.org",
		"persistence.imageChartStorage.s3.regionendpoint": "http://minio.minio.svc.cluster.local:9000",
		"persistence.imageChartStorage.disableredirect":   true,
		"expose.ingress.className":                        "alb",
		"expose.ingress.controller":                       "alb",
		"jobservice.jobLoggers":                           []any{"database"},
		"core.replicas":                                   3,
		"core.podDisruptionBudget.enabled":                true,
		"persistence.resourcePolicy":                      "keep",
		"persistence.persistentVolumeClaim.registry":      nil,
		"persistence.persistentVolumeClaim.jobservice":    nil,
	}
	for path, want := range checks {
		if got := get(path); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	ann := get("expose.ingress.annotations").(map[string]any)
	for _, k := range harborNginxDefaultAnnotations {
		if v, ok := ann[k]; !ok || v != nil {
			t.Errorf("annotation %s = %v, want explicit null", k, v)
		}
	}
	if ann["alb.ingress.kubernetes.io/target-type"] != "ip" {
		t.Errorf("target-type = %v", ann["alb.ingress.kubernetes.io/target-type"])
	}
	if get("core.serviceAnnotations").(map[string]any)["alb.ingress.kubernetes.io/healthcheck-path"] != "/api/v2.0/ping" {
		t.Error("core.serviceAnnotations lacks the ALB health check path")
	}
}

func TestBuildErrorsNameTheKey(t *testing.T) {
	cases := []struct {
		name, preset, yaml, want string
	}{
		{"no domain", "dev", "version: 1\nharbor:\n  domain: \"\"\n", "harbor.domain"},
		{"backup without store", "dev", "version: 1\nbackup:\n  enabled: true\n", "backup.enabled"},
		{"tls files without files", "dev", "version: 1\ntls:\n  mode: files\n", "tls.certFile, tls.keyFile"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := loadCase(t, testCase{name: c.name, preset: c.preset, answers: c.yaml})
			_, err := Build(a)
			if err == nil {
				t.Fatal("Build succeeded")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not name %s", err, c.want)
			}
			if msg := err.Error(); msg[:1] != strings.ToLower(msg[:1]) {
				t.Errorf("error %q is not lowercase", msg)
			}
		})
	}
}

// TestBuildLeavesChecksToSteps: answers that the field checks refuse but
// that can be rendered are rendered; the rule lives in steps/ only.
func TestBuildLeavesChecksToSteps(t *testing.T) {
	for name, c := range map[string]struct{ preset, yaml string }{
		"registry replicas on RWO filesystem": {"dev", "version: 1\nharbor:\n  replicas: 2\n"},
		"trident without LIF":                 {"onprem-trident", "version: 1\nharbor:\n  domain: r.example.org\nldap:\n  url: ldap://l:389\n  baseDN: dc=x\n"},
		"ldap without url":                    {"dev", "version: 1\nldap:\n  enabled: true\n  baseDN: dc=x\n  bindPassword: env:X\n"},
		"bitnami too few drives":              {"dev", "version: 1\nminio:\n  enabled: true\n  chart: bitnami\n  nodesPerZone: 1\n"},
		"s3 endpoint without scheme":          {"dev", "version: 1\ns3:\n  endpoint: s3.example.org:9000\n  bucket: b\n  accessKey: env:A\n  secretKey: env:B\n"},
		"empty backup bucket":                 {"eks-minio", "version: 1\nharbor:\n  domain: r.example.org\nbackup:\n  bucket: \"\"\n"},
	} {
		a := loadCase(t, testCase{name: name, preset: c.preset, answers: c.yaml})
		if _, err := Build(a); err != nil {
			t.Errorf("%s: Build re-validates what steps/ checks: %v", name, err)
		}
	}
}

// --- chart key paths ---

// valuePaths lists the dotted key paths of values: maps are descended,
// lists of maps are descended as path[] (the keys of every item), and
// scalars and lists of scalars are leaves.
func valuePaths(prefix string, v any, out map[string]bool) {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 {
			break
		}
		for k, val := range t {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			valuePaths(p, val, out)
		}
		return
	case []any:
		items := false
		for _, item := range t {
			if m, ok := item.(map[string]any); ok && len(m) > 0 {
				valuePaths(prefix+"[]", m, out)
				items = true
			}
		}
		if items {
			return
		}
	}
	if prefix != "" {
		out[prefix] = true
	}
}

// freeCovers reports whether a "path.*" entry (given as "path.") allows p.
func freeCovers(free []string, p string) bool {
	for _, f := range free {
		if strings.HasPrefix(p, f) || strings.HasPrefix(p, strings.TrimSuffix(f, ".")+"[]") {
			return true
		}
	}
	return false
}

func loadChartKeys(t *testing.T, chart answers.Chart) (exact map[string]bool, free []string) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "chartkeys", chart.Name+"-"+chart.Version+".txt"))
	if err != nil {
		t.Fatalf("chart keys: %v", err)
	}
	defer f.Close()
	exact = map[string]bool{}
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasSuffix(line, ".*") {
			free = append(free, strings.TrimSuffix(line, "*"))
		} else {
			exact[line] = true
		}
	}
	return exact, free
}

// unknownPaths lists the key paths of values that the chart's key list
// does not allow.
func unknownPaths(t *testing.T, chart answers.Chart, values map[string]any) []string {
	t.Helper()
	exact, free := loadChartKeys(t, chart)
	paths := map[string]bool{}
	valuePaths("", values, paths)
	var bad []string
	for path := range paths {
		if !exact[path] && !freeCovers(free, path) {
			bad = append(bad, path)
		}
	}
	sort.Strings(bad)
	return bad
}

// TestRenderedKeysExistInCharts checks every key path the renderer writes,
// for every golden case, against the pinned chart's key list.
func TestRenderedKeysExistInCharts(t *testing.T) {
	for _, c := range cases {
		p := buildCase(t, c)
		for _, r := range p.Releases {
			for _, b := range unknownPaths(t, r.Chart, r.Values) {
				t.Errorf("%s: %s writes %s, which chart %s %s does not have", c.name, r.Name, b, r.Chart.Name, r.Chart.Version)
			}
		}
	}
}

// TestChartKeyCheckDescendsLists: a wrong key inside a list item (a user,
// a policy statement, a spread constraint, a backup location, an env var)
// is caught, not hidden behind the list.
func TestChartKeyCheckDescendsLists(t *testing.T) {
	minio := answers.Chart{Name: "minio", Version: "5.4.0"}
	harbor := answers.Chart{Name: "harbor", Version: "1.19.1"}
	velero := answers.Chart{Name: "velero", Version: "12.1.0"}
	for _, c := range []struct {
		chart  answers.Chart
		values string
		want   string
	}{
		{minio, "users: [{accessKey: a, existingSecrets: s}]", "users[].existingSecrets"},
		{minio, "policies: [{name: p, statements: [{effects: Allow}]}]", "policies[].statements[].effects"},
		{minio, "topologySpreadConstraints: [{maxskew: 1}]", "topologySpreadConstraints[].maxskew"},
		{harbor, "core: {extraEnvVars: [{name: X, valuefrom: {}}]}", "core.extraEnvVars[].valuefrom"},
		{velero, "configuration: {backupStorageLocation: [{cacert: x}]}", "configuration.backupStorageLocation[].cacert"},
	} {
		var v map[string]any
		if err := yaml.Unmarshal([]byte(c.values), &v); err != nil {
			t.Fatal(err)
		}
		if bad := unknownPaths(t, c.chart, v); strings.Join(bad, ",") != c.want {
			t.Errorf("%s: unknown %v, want %s", c.values, bad, c.want)
		}
	}
}

// BenchmarkBuildEKS measures rendering the largest preset's plan.
func BenchmarkBuildEKS(b *testing.B) {
	l, err := answers.Load(answers.Options{Preset: "eks-minio", Sets: []string{"harbor.domain=registry.example.org"}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Build(&l.Answers); err != nil {
			b.Fatal(err)
		}
	}
}
