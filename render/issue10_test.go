package render

import (
	"fmt"
	"strings"
	"testing"
)

// valueAt returns the value at a dotted path (numbers index lists).
func valueAt(v any, path string) any {
	cur := v
	for _, k := range strings.Split(path, ".") {
		switch t := cur.(type) {
		case map[string]any:
			cur = t[k]
		case []any:
			var i int
			if _, err := fmt.Sscan(k, &i); err != nil || i >= len(t) {
				return nil
			}
			cur = t[i]
		default:
			return nil
		}
	}
	return cur
}

func secretNamed(p *Plan, ns, name string) *Secret {
	for i := range p.Secrets {
		if p.Secrets[i].Namespace == ns && p.Secrets[i].Name == name {
			return &p.Secrets[i]
		}
	}
	return nil
}

func caseNamed(t *testing.T, name string) testCase {
	t.Helper()
	for _, c := range cases {
		if c.name == name {
			return c
		}
	}
	t.Fatalf("no case %s", name)
	return testCase{}
}

func buildYAML(t *testing.T, preset, y string) *Plan {
	t.Helper()
	p, err := Build(loadCase(t, testCase{name: "t", preset: preset, answers: y}))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestMinIODisruptionBudget: the budget allows only what every pool
// survives for writes, in both charts' own keys.
func TestMinIODisruptionBudget(t *testing.T) {
	for _, c := range []struct {
		name, yaml, path string
		want             any
	}{
		{"official 1x4", "", "podDisruptionBudget.maxUnavailable", 1},
		{"official 2x2 blocks drains", "minio: {zones: 2, nodesPerZone: 2}", "podDisruptionBudget.maxUnavailable", 0},
		{"official 1x8x2", "minio: {zones: 1, nodesPerZone: 8, drivesPerNode: 2}", "podDisruptionBudget.maxUnavailable", 2},
		{"bitnami 1x4", "minio: {chart: bitnami}", "pdb.maxUnavailable", 1},
		// The bitnami chart prints maxUnavailable | default 1: 0 would be 1.
		{"bitnami 2x2 blocks drains", "minio: {chart: bitnami, zones: 2, nodesPerZone: 2}", "pdb.minAvailable", 4},
	} {
		p := buildYAML(t, "eks-minio", "version: 1\nharbor: {domain: r.example.org}\n"+c.yaml+"\n")
		if got := valueAt(p.Release("minio").Values, c.path); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s: %s = %v, want %v", c.name, c.path, got, c.want)
		}
	}
	p := buildCase(t, caseNamed(t, "eks-minio"))
	v := p.Release("minio").Values
	if valueAt(v, "replicas") != 4 || valueAt(v, "pools") != 1 {
		t.Errorf("eks-minio layout: replicas %v pools %v, want 4 x 1", valueAt(v, "replicas"), valueAt(v, "pools"))
	}
	tsc := valueAt(v, "topologySpreadConstraints").([]any)
	if len(tsc) != 1 || valueAt(tsc[0], "topologyKey") != "topology.kubernetes.io/zone" || valueAt(tsc[0], "maxSkew") != 1 || valueAt(tsc[0], "whenUnsatisfiable") != "DoNotSchedule" {
		t.Errorf("spread = %v, want one even zone spread", tsc)
	}
}

// TestTrustEveryCA: Harbor gets every CA the checks used, Velero and
// Trident get theirs through FileValues.
func TestTrustEveryCA(t *testing.T) {
	p := buildYAML(t, "onprem-trident", `version: 1
harbor:
  domain: r.example.org
  database: {type: external, host: pg.example.org, password: env:X, sslmode: verify-full, caFile: /ca/pg.pem}
storage:
  trident: {managementLIF: 10.0.0.1, svm: s, password: env:X, caFile: /ca/ontap.pem}
ldap: {url: ldaps://l.example.org, baseDN: dc=x, bindDN: cn=a, bindPassword: env:X, caFile: /ca/ldap.pem}
s3: {endpoint: https://s3.example.org, bucket: b, accessKey: env:A, secretKey: env:B, caFile: /ca/s3.pem}
backup: {enabled: true}
migration:
  enabled: true
  source: {url: https://old.example.org, caFile: /ca/ldap.pem}
`)
	h := p.Release("harbor").Values
	name, _ := h["caBundleSecretName"].(string)
	s := secretNamed(p, "harbor", name)
	if s == nil {
		t.Fatalf("caBundleSecretName %q is not a plan Secret", name)
	}
	if len(s.Keys) != 1 || s.Keys[0].Key != "ca.crt" || s.Keys[0].From.Kind != FromTemplate {
		t.Fatalf("bundle keys = %+v", s.Keys)
	}
	var files []string
	for _, in := range s.Keys[0].From.Inputs {
		if in.Kind != FromFile {
			t.Errorf("bundle input %+v is not a file", in)
		}
		files = append(files, in.Path)
	}
	if got := strings.Join(sortedCopy(files), ","); got != "/ca/ldap.pem,/ca/pg.pem,/ca/s3.pem" {
		t.Errorf("bundle files = %s, want ldap, pg and s3 (the migration CA is the LDAP file, once)", got)
	}
	if valueAt(h, "persistence.imageChartStorage.caBundleSecretName") != name {
		t.Errorf("registry storage CA = %v, want %s", valueAt(h, "persistence.imageChartStorage.caBundleSecretName"), name)
	}
	vel := p.Release("velero")
	if len(vel.FileValues) != 1 || vel.FileValues[0].File != "/ca/s3.pem" || vel.FileValues[0].Encoding != EncodingBase64 ||
		valueAt(vel.Values, vel.FileValues[0].Path) != "" {
		t.Errorf("velero FileValues = %+v (the path must hold the empty placeholder)", vel.FileValues)
	}
	var backend *Object
	for i := range p.Objects {
		if p.Objects[i].Kind == "TridentBackendConfig" {
			backend = &p.Objects[i]
		}
	}
	if backend == nil || len(backend.FileValues) != 1 || backend.FileValues[0].File != "/ca/ontap.pem" ||
		valueAt(backend.Content, backend.FileValues[0].Path) != "" || backend.FileValues[0].Path != "spec.trustedCACertificate" {
		t.Errorf("trident backend FileValues = %+v", backend)
	}
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// TestUpgradeSafety: pinned token pair, Recreate on RWO, no changeit.
func TestUpgradeSafety(t *testing.T) {
	p := buildCase(t, caseNamed(t, "dev"))
	h := p.Release("harbor").Values
	tok, _ := valueAt(h, "core.secretName").(string)
	s := secretNamed(p, "harbor", tok)
	if s == nil || s.Type != "kubernetes.io/tls" || len(s.Keys) != 2 ||
		s.Keys[0].Key != "tls.crt" || s.Keys[0].From.Kind != FromKeyPair || s.Keys[0].From.Part != "cert" ||
		s.Keys[1].Key != "tls.key" || s.Keys[1].From.Kind != FromKeyPair || s.Keys[1].From.Part != "key" {
		t.Errorf("core.secretName %q: %+v", tok, s)
	}
	// dev: filesystem blobs on a ReadWriteOnce class.
	if valueAt(h, "updateStrategy.type") != "Recreate" {
		t.Errorf("dev updateStrategy = %v, want Recreate", valueAt(h, "updateStrategy"))
	}
	// onprem-trident: ReadWriteMany claims roll.
	if op := buildCase(t, caseNamed(t, "onprem-trident")).Release("harbor").Values; valueAt(op, "updateStrategy") != nil ||
		valueAt(op, "persistence.persistentVolumeClaim.registry.accessMode") != "ReadWriteMany" {
		t.Errorf("onprem updateStrategy %v, registry %v", valueAt(op, "updateStrategy"), valueAt(op, "persistence.persistentVolumeClaim.registry.accessMode"))
	}
	// Internal database: the chart's lookup must find our Secret.
	if valueAt(h, "database.internal.password") != "" {
		t.Errorf("database.internal.password = %v, want empty so the chart looks the Secret up", valueAt(h, "database.internal.password"))
	}
	db := secretNamed(p, "harbor", "harbor-database")
	if db == nil || db.AdoptedBy != "harbor" || db.Type != "Opaque" || len(db.Keys) != 1 || db.Keys[0].Key != "POSTGRES_PASSWORD" || db.Keys[0].From.Kind != FromGenerated {
		t.Errorf("database Secret = %+v", db)
	}
	found := false
	for _, c := range p.ChartCopies {
		found = found || c.Secret == "harbor/harbor-database" && c.Key == "POSTGRES_PASSWORD"
	}
	if !found {
		t.Errorf("internal database password not in ChartCopies: %+v", p.ChartCopies)
	}
}

// TestSecretRollouts: every component that reads an installer Secret has a
// rollout over a podAnnotations map its chart honours.
func TestSecretRollouts(t *testing.T) {
	p := buildCase(t, caseNamed(t, "onprem-trident"))
	roll := map[string]string{}
	for _, r := range p.Release("harbor").SecretRollouts {
		roll[r.Path] = strings.Join(r.Secrets, ",")
		if _, ok := valueAt(p.Release("harbor").Values, r.Path).(map[string]any); !ok {
			t.Errorf("%s is not a map in the values", r.Path)
		}
		for _, s := range r.Secrets {
			ns, name, _ := strings.Cut(s, "/")
			if secretNamed(p, ns, name) == nil {
				t.Errorf("%s names %s, not a plan Secret", r.Path, s)
			}
		}
	}
	for path, want := range map[string]string{
		"core.podAnnotations":       "harbor/harbor-ldap-config",
		"registry.podAnnotations":   "harbor/harbor-internal-secrets",
		"jobservice.podAnnotations": "harbor/harbor-internal-secrets",
	} {
		if !strings.Contains(roll[path], want) {
			t.Errorf("%s rolls on %q, want it to include %s", path, roll[path], want)
		}
	}
	e := buildCase(t, caseNamed(t, "external-s3"))
	var reg string
	for _, r := range e.Release("harbor").SecretRollouts {
		if r.Path == "registry.podAnnotations" {
			reg = strings.Join(r.Secrets, ",")
		}
	}
	if !strings.Contains(reg, "harbor/harbor-s3-credentials") {
		t.Errorf("registry rolls on %q, want the S3 keys", reg)
	}
	if r := e.Release("velero").SecretRollouts; len(r) != 1 || r[0].Path != "podAnnotations" {
		t.Errorf("velero rollouts = %+v", r)
	}
	if r := buildCase(t, caseNamed(t, "eks-minio")).Release("minio").SecretRollouts; len(r) != 1 || r[0].Secrets[0] != "minio/minio-root" {
		t.Errorf("minio rollouts = %+v", r)
	}
}

// TestRedisChartCopies: external Redis with a password is copied into the
// chart's ConfigMaps, and the plan says so.
func TestRedisChartCopies(t *testing.T) {
	p := buildCase(t, caseNamed(t, "external-db-redis"))
	var into string
	for _, c := range p.ChartCopies {
		if c.Key == "REDIS_PASSWORD" {
			into = strings.Join(c.Into, ",")
		}
	}
	for _, cm := range []string{"ConfigMap harbor-core", "ConfigMap harbor-jobservice", "ConfigMap harbor-jobservice-env", "ConfigMap harbor-registry", "ConfigMap harbor-exporter-env"} {
		if !strings.Contains(into, cm) {
			t.Errorf("Redis copies %q lack %s", into, cm)
		}
	}
}

// TestDatabaseBackupHook: with backups and the internal database, Velero
// runs a dump on the database pod before copying its volume.
func TestDatabaseBackupHook(t *testing.T) {
	h := buildCase(t, caseNamed(t, "eks-minio")).Release("harbor").Values
	ann, _ := valueAt(h, "database.podAnnotations").(map[string]any)
	cmd, _ := ann["pre.hook.backup.velero.io/command"].(string)
	if ann["pre.hook.backup.velero.io/container"] != "database" || !strings.Contains(cmd, "pg_dumpall") || !strings.Contains(cmd, databaseBackupDump) {
		t.Errorf("database hook annotations = %v", ann)
	}
	if d := buildCase(t, caseNamed(t, "dev")).Release("harbor").Values; valueAt(d, "database.podAnnotations") != nil {
		t.Error("hook without backups")
	}
}

// TestClusterDomain: no rendered in-cluster URL hard-codes cluster.local.
func TestClusterDomain(t *testing.T) {
	p := buildCase(t, caseNamed(t, "eks-minio-bitnami"))
	for _, r := range p.Releases {
		b, _ := r.ValuesYAML()
		if strings.Contains(string(b), "cluster.local") {
			t.Errorf("%s values mention cluster.local with cluster.domain set", r.Name)
		}
	}
	if got := valueAt(p.Release("minio").Values, "clusterDomain"); got != "k8s.example.internal" {
		t.Errorf("bitnami clusterDomain = %v: its pods would look for each other under cluster.local", got)
	}
	want := "http://minio.minio.svc.k8s.example.internal:9000"
	if got := valueAt(p.Release("harbor").Values, "persistence.imageChartStorage.s3.regionendpoint"); got != want {
		t.Errorf("regionendpoint = %v, want %s", got, want)
	}
	if got := valueAt(p.Release("velero").Values, "configuration.backupStorageLocation.0.config.s3Url"); got != want {
		t.Errorf("velero s3Url = %v, want %s", got, want)
	}
}
