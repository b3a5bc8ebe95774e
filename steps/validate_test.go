package steps

import (
	"fmt"
	"strings"
	"testing"

	"github.com/harbor-installer/harbor-installer/answers"
)

// base loads a preset plus --set overrides, the way the CLI does.
func base(t *testing.T, preset string, sets ...string) *answers.Answers {
	t.Helper()
	t.Setenv("TRIDENT_ONTAP_PASSWORD", "x")
	t.Setenv("LDAP_BIND_PASSWORD", "x")
	l, err := answers.Load(answers.Options{Preset: preset, Sets: sets})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return &l.Answers
}

func findingsFor(fs []Finding, key string, level Level) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Key == key && f.Level == level {
			out = append(out, f)
		}
	}
	return out
}

var onpremFill = []string{
	"harbor.domain=registry.example.org",
	"storage.trident.managementLIF=10.0.0.10", "storage.trident.dataLIF=10.0.0.11", "storage.trident.svm=svm1",
	"ldap.url=ldaps://ldap.example.org:636", "ldap.bindDN=cn=harbor\\,ou=svc\\,dc=example\\,dc=org",
	"ldap.baseDN=dc=example\\,dc=org", "ldap.testUser=alice",
}

func TestPresetsHaveNoFailOnceFilledIn(t *testing.T) {
	cases := map[string][]string{
		"dev":            nil,
		"eks-minio":      {"harbor.domain=registry.example.org"},
		"onprem-trident": onpremFill,
	}
	for preset, sets := range cases {
		t.Run(preset, func(t *testing.T) {
			fs := FieldFindings(base(t, preset, sets...))
			if f := Only(fs, Fail); len(f) > 0 {
				t.Errorf("fails: %v", f)
			}
		})
	}
}

// Trident takes a data LIF of the SVM when dataLIF is left out, so an
// on-prem file without one must validate clean.
func TestTridentDataLIFOptional(t *testing.T) {
	var sets []string
	for _, s := range onpremFill {
		if !strings.HasPrefix(s, "storage.trident.dataLIF=") {
			sets = append(sets, s)
		}
	}
	if len(sets) != len(onpremFill)-1 {
		t.Fatal("onpremFill no longer sets storage.trident.dataLIF")
	}
	if f := Only(FieldFindings(base(t, "onprem-trident", sets...)), Fail); len(f) > 0 {
		t.Errorf("fails without dataLIF: %v", f)
	}
}

func TestFieldChecks(t *testing.T) {
	cases := []struct {
		name   string
		preset string
		sets   []string
		key    string
		level  Level
		seen   string
	}{
		{"domain required", "eks-minio", nil, "harbor.domain", Fail, "required"},
		{"domain with scheme", "eks-minio", []string{"harbor.domain=https://a.example.org"}, "harbor.domain", Fail, "not a bare DNS name"},
		{"domain is IP", "eks-minio", []string{"harbor.domain=10.1.2.3"}, "harbor.domain", Fail, "IP address"},
		{"domain uppercase", "eks-minio", []string{"harbor.domain=Reg_istry.example.org"}, "harbor.domain", Fail, "not a valid DNS name"},
		{"externalURL https behind alb", "eks-minio", []string{"harbor.domain=r.example.org"}, "harbor.domain", OK, "https://r.example.org"},
		{"externalURL http warns", "dev", []string{"tls.mode=none"}, "harbor.domain", Warn, "plain http"},
		{"tls auto warns", "dev", nil, "tls.mode", Warn, "new one on every upgrade"},
		{"tls files needs files", "dev", []string{"tls.mode=files"}, "tls.certFile", Fail, "required"},
		{"tls secret on alb warns", "eks-minio", []string{"harbor.domain=r.example.org", "tls.mode=secret"}, "tls.mode", Warn, "ALB does not use"},
		{"bad ARN", "eks-minio", []string{"harbor.domain=r.example.org", "ingress.alb.certificateARN=arn:nope"}, "ingress.alb.certificateARN", Fail, "not an ACM certificate ARN"},
		{"small body size", "dev", []string{"ingress.annotations.nginx\\.ingress\\.kubernetes\\.io/proxy-body-size=1m"}, "ingress.annotations", Warn, "proxy-body-size"},
		{"replicas 0 falls back", "dev", []string{"harbor.replicas.core=-1"}, "harbor.replicas.core", Fail, "-1"},
		{"EBS with 2 registry replicas on filesystem", "dev", []string{"storage.provider=ebs", "storage.storageClass=gp3", "harbor.replicas=2"}, "harbor.replicas", Fail, "ReadWriteOnce"},
		{"trident dataLIF must be a host", "onprem-trident", append(append([]string{}, onpremFill...), "storage.trident.dataLIF=nfs://10.0.0.11"), "storage.trident.dataLIF", Fail, "has a scheme or path"},
		{"trident LIF bad port", "onprem-trident", append(append([]string{}, onpremFill...), "storage.trident.managementLIF=ontap.example.org:https"), "storage.trident.managementLIF", Fail, "not a number from 1 to 65535"},
		{"trident RWX with 2 replicas ok", "onprem-trident", onpremFill, "harbor.replicas", OK, "ReadWriteMany"},
		{"MinIO on EBS with 2 jobservice replicas ok", "eks-minio", []string{"harbor.domain=r.example.org"}, "harbor.replicas", OK, "database"},
		{"EBS RWX refused", "dev", []string{"storage.provider=ebs", "storage.storageClass=gp3", "storage.accessMode=ReadWriteMany"}, "storage.accessMode", Fail, "ReadWriteOnce only"},
		{"bad quantity", "dev", []string{"harbor.volumes.database=10 gigs"}, "harbor.volumes.database", Fail, "quantity"},
		{"trident needs LIF", "onprem-trident", []string{"harbor.domain=r.example.org"}, "storage.trident.managementLIF", Fail, "required"},
		{"trident password env unset", "onprem-trident", append(append([]string{}, onpremFill...), "storage.trident.password=env:SURELY_UNSET_PW"), "storage.trident.password", Fail, "SURELY_UNSET_PW"},
		{"EKS layout valid with tolerance", "eks-minio", []string{"harbor.domain=r.example.org"}, "minio.zones", OK, "with 2 or more AZs every pool stays readable, and with 4 or more also writable"},
		{"EKS layout budget lets one pod go", "eks-minio", []string{"harbor.domain=r.example.org"}, "minio.nodesPerZone", OK, "PodDisruptionBudget maxUnavailable 1"},
		{"2 drives per pool stop writes on a drain", "eks-minio", []string{"harbor.domain=r.example.org", "minio.zones=2", "minio.nodesPerZone=2"}, "minio.nodesPerZone", Fail, "loses write quorum with any one of its pods down"},
		{"one drive per pool", "eks-minio", []string{"harbor.domain=r.example.org", "minio.nodesPerZone=1"}, "minio.nodesPerZone", Fail, "at least 2 per pool"},
		{"17 drives", "eks-minio", []string{"harbor.domain=r.example.org", "minio.zones=1", "minio.nodesPerZone=17"}, "minio.nodesPerZone", Fail, "no erasure-set size"},
		{"under 4 drives in all", "eks-minio", []string{"harbor.domain=r.example.org", "minio.zones=1", "minio.nodesPerZone=2"}, "minio.zones", Fail, "at least 4"},
		{"6 nodes survive an AZ from 3", "eks-minio", []string{"harbor.domain=r.example.org", "minio.zones=1", "minio.nodesPerZone=6"}, "minio.zones", OK, "with 2 or more AZs every pool stays readable, and with 3 or more also writable"},
		{"two pools spread as one", "eks-minio", []string{"harbor.domain=r.example.org", "minio.zones=2", "minio.nodesPerZone=4"}, "minio.zones", OK, "with 4 or more AZs every pool stays readable, and with 8 or more also writable"},
		{"database CA file missing", "dev", []string{"harbor.database.type=external", "harbor.database.host=pg.example.org", "harbor.database.password=env:HOME", "harbor.database.caFile=/nonexistent/pg-ca.pem"}, "harbor.database.caFile", Fail, "/nonexistent/pg-ca.pem"},
		{"s3 endpoint without scheme", "dev", []string{"s3.endpoint=minio.example.org:9000", "s3.bucket=harbor", "s3.accessKey=env:HOME", "s3.secretKey=env:HOME"}, "s3.endpoint", Fail, "no http:// or https:// scheme"},
		{"s3 keys required", "dev", []string{"s3.endpoint=https://s3.example.org", "s3.bucket=harbor"}, "s3.accessKey", Fail, "required"},
		{"ldap bad scheme", "onprem-trident", append(append([]string{}, onpremFill...), "ldap.url=http://ldap.example.org"), "ldap.url", Fail, "not an ldap://"},
		{"ldap bad DN", "onprem-trident", append(append([]string{}, onpremFill...), "ldap.baseDN=example.org"), "ldap.baseDN", Fail, "not a valid DN"},
		{"ldap bad scope", "onprem-trident", append(append([]string{}, onpremFill...), "ldap.scope=3"), "ldap.scope", Fail, "3"},
		{"ldap bad filter", "onprem-trident", append(append([]string{}, onpremFill...), "ldap.filter=objectClass=person"), "ldap.filter", Fail, "not a valid LDAP filter"},
		{"ldap plain fails", "onprem-trident", append(append([]string{}, onpremFill...), "ldap.url=ldap://ldap.example.org", "ldap.bindPassword=env:HOME"), "ldap.url", Fail, "Harbor never uses StartTLS"},
		{"ldap plain with startTLS still fails", "onprem-trident", append(append([]string{}, onpremFill...), "ldap.url=ldap://ldap.example.org", "ldap.startTLS=true", "ldap.bindPassword=env:HOME"), "ldap.url", Fail, "proves nothing for Harbor"},
		{"ldap plain allowed warns", "onprem-trident", append(append([]string{}, onpremFill...), "ldap.url=ldap://ldap.example.org", "ldap.allowPlaintext=true", "ldap.bindPassword=env:HOME"), "ldap.allowPlaintext", Warn, "cleartext"},
		{"internal db with replicas warns", "onprem-trident", onpremFill, "harbor.database.type", Warn, "not highly available"},
		{"redis without port", "dev", []string{"harbor.redis.type=external", "harbor.redis.addr=redis.example.org"}, "harbor.redis.addr", Fail, "is not host:port"},
		{"redis port not a number", "dev", []string{"harbor.redis.type=external", "harbor.redis.addr=redis.example.org:six"}, "harbor.redis.addr", Fail, "not a number from 1 to 65535"},
		{"sentinel port out of range", "dev", []string{"harbor.redis.type=external", "harbor.redis.addr=s1.example.org:26379\\,s2.example.org:99999", "harbor.redis.sentinelMasterSet=mymaster"}, "harbor.redis.addr", Fail, "s2.example.org:99999"},
		{"redis host with scheme", "dev", []string{"harbor.redis.type=external", "harbor.redis.addr=redis://r.example.org:6379"}, "harbor.redis.addr", Fail, "is not host:port"},
		{"backup without object store", "dev", []string{"backup.enabled=true"}, "backup.enabled", Fail, "need an object store"},
		{"backup bad cron", "eks-minio", []string{"harbor.domain=r.example.org", "backup.schedule=every day"}, "backup.schedule", Fail, "not a cron schedule"},
		{"backup bad ttl", "eks-minio", []string{"harbor.domain=r.example.org", "backup.ttl=30d"}, "backup.ttl", Fail, "not a positive duration"},
		{"backup same bucket", "eks-minio", []string{"harbor.domain=r.example.org", "backup.bucket=harbor"}, "backup.bucket", Fail, "also Harbor's blob bucket"},
		{"bad plugin", "eks-minio", []string{"harbor.domain=r.example.org", "backup.pluginImage=velero/velero-plugin-for-aws:v1.14.2"}, "backup.pluginImage", Fail, "corrupts"},
		{"chart version range", "dev", []string{"charts.harbor.version=~1.19"}, "charts.harbor.version", Fail, "exact semantic version"},
		{"chart local path missing", "dev", []string{"charts.harbor.source=/nonexistent/harbor"}, "charts.harbor.source", Fail, "not a URL"},
		{"project needs ldap", "dev", nil, "", OK, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.key == "" {
				return
			}
			fs := FieldFindings(base(t, c.preset, c.sets...))
			got := findingsFor(fs, c.key, c.level)
			for _, f := range got {
				if strings.Contains(f.Seen, c.seen) {
					return
				}
			}
			t.Errorf("no %s finding for %s containing %q; got:\n%v", c.level, c.key, c.seen, fs)
		})
	}
}

// TestPoolLayoutTolerance checks what a pool survives in pods, which sets
// the PodDisruptionBudget and the AZ guarantee.
func TestPoolLayoutTolerance(t *testing.T) {
	cases := []struct{ nodes, drives, read, write, budget, azRead, azWrite int }{
		{4, 1, 2, 1, 1, 2, 4},
		{2, 1, 1, 0, 0, 2, 0},
		{2, 4, 1, 0, 0, 2, 0}, // one node holds half of the set
		{6, 1, 3, 2, 2, 2, 3},
		{8, 2, 2, 2, 2, 4, 4},
	}
	for _, c := range cases {
		a := base(t, "eks-minio", "harbor.domain=r.example.org", "minio.zones=1", fmt.Sprintf("minio.nodesPerZone=%d", c.nodes), fmt.Sprintf("minio.drivesPerNode=%d", c.drives))
		got := []int{a.MinIONodesTolerated(false), a.MinIONodesTolerated(true), a.MinIODisruptionBudget(), a.MinIOAZsNeeded(false), a.MinIOAZsNeeded(true)}
		want := []int{c.read, c.write, c.budget, c.azRead, c.azWrite}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%d nodes x %d drives: read, write, budget, AZs for read, AZs for write = %v, want %v", c.nodes, c.drives, got, want)
		}
	}
}

func TestPoolLayout(t *testing.T) {
	cases := []struct{ drives, set, parity, read, write int }{
		{2, 2, 1, 1, 0}, {4, 4, 2, 2, 1}, {6, 6, 3, 3, 2}, {8, 8, 4, 4, 3}, {12, 12, 4, 4, 4}, {16, 16, 4, 4, 4}, {32, 16, 4, 4, 4}, {17, 0, 0, 0, 0}, {3, 3, 1, 1, 1},
	}
	for _, c := range cases {
		l := PoolLayout(c.drives)
		if l.SetSize != c.set || l.Parity != c.parity || l.ReadLoss != c.read || l.WriteLoss != c.write {
			t.Errorf("PoolLayout(%d) = %+v, want set %d parity %d read %d write %d", c.drives, l, c.set, c.parity, c.read, c.write)
		}
	}
}

func TestProjectMembersNeedLDAP(t *testing.T) {
	a := base(t, "dev")
	a.Harbor.Projects = []answers.Project{{Name: "team-a", Members: []answers.Member{{Group: "cn=devs,dc=example,dc=org", Role: "developer"}}}, {Name: "Bad Name"}}
	fs := FieldFindings(a)
	if len(findingsFor(fs, "harbor.projects[0].members[0].group", Fail)) == 0 {
		t.Errorf("members without LDAP not refused: %v", fs)
	}
	if len(findingsFor(fs, "harbor.projects[1].name", Fail)) == 0 {
		t.Errorf("bad project name not refused: %v", fs)
	}
}

func TestCheckHost(t *testing.T) {
	cases := []struct{ in, fail string }{
		{"10.0.0.10", ""},
		{"ontap.example.org", ""},
		{"ontap.example.org:8443", ""},
		{"[fd00::10]:443", ""},
		{"fd00::10", ""},
		{"", "required but empty"},
		{"nfs://10.0.0.11", "has a scheme or path"},
		{"10.0.0.10/24", "has a scheme or path"},
		{"ontap.example.org:https", "not a number from 1 to 65535"},
		{"ontap.example.org:0", "not a number from 1 to 65535"},
		{"ontap_1.example.org", "neither an IP address nor a DNS name"},
	}
	for _, c := range cases {
		fs := checkHost("k", c.in)
		switch {
		case c.fail == "" && len(fs) > 0:
			t.Errorf("checkHost(%q) = %v, want no finding", c.in, fs)
		case c.fail != "" && (len(fs) != 1 || fs[0].Level != Fail || !strings.Contains(fs[0].Seen, c.fail)):
			t.Errorf("checkHost(%q) = %v, want a fail containing %q", c.in, fs, c.fail)
		}
	}
}

func TestRedisAddrAccepted(t *testing.T) {
	for _, addr := range []string{"redis.example.org:6379", "10.0.0.5:6379", "[fd00::5]:6379", "s1.example.org:26379, s2.example.org:26379,s3.example.org:26379"} {
		// Set on the struct: --set would read "[...]" and "," as lists.
		a := base(t, "dev", "harbor.redis.type=external", "harbor.redis.sentinelMasterSet=mymaster")
		a.Harbor.Redis.Addr = addr
		if got := findingsFor(FieldFindings(a), "harbor.redis.addr", Fail); len(got) > 0 {
			t.Errorf("harbor.redis.addr=%q refused: %v", addr, got)
		}
	}
}

// TestLDAPNeverSecureForHarbor: ldap:// with a bind password is judged by
// what Harbor does (no StartTLS, goharbor/harbor#19989), never called
// secure, and no finding recommends StartTLS for Harbor.
func TestLDAPNeverSecureForHarbor(t *testing.T) {
	for _, extra := range [][]string{nil, {"ldap.startTLS=true"}, {"ldap.allowPlaintext=true"}, {"ldap.startTLS=true", "ldap.allowPlaintext=true"}} {
		sets := append(append([]string{}, onpremFill...), "ldap.url=ldap://ldap.example.org:389", "ldap.bindPassword=env:HOME")
		fs := FieldFindings(base(t, "onprem-trident", append(sets, extra...)...))
		allow := strings.Contains(strings.Join(extra, " "), "allowPlaintext")
		if got := findingsFor(fs, "ldap.url", Fail); allow == (len(got) > 0) {
			t.Errorf("%v: ldap.url fails = %v, want fail %v", extra, got, !allow)
		}
		if got := findingsFor(fs, "ldap.allowPlaintext", Warn); allow != (len(got) > 0) {
			t.Errorf("%v: ldap.allowPlaintext warns = %v, want %v", extra, got, allow)
		}
		for _, f := range fs {
			if !strings.HasPrefix(f.Key, "ldap.") {
				continue
			}
			if f.Level == OK && strings.Contains(f.Key, "url") {
				t.Errorf("%v: ldap:// called fine: %v", extra, f)
			}
			if strings.Contains(strings.ToLower(f.Hint), "starttls") && !strings.Contains(f.Hint, "never uses StartTLS") {
				t.Errorf("%v: hint recommends StartTLS: %v", extra, f)
			}
			if f.Key == "ldap.url" && f.Level == Fail && !strings.Contains(f.Hint, "ldaps://") {
				t.Errorf("%v: fix does not say ldaps://: %v", extra, f)
			}
		}
	}
}

// TestRedisPasswordCopiesNamed: with external Redis and a password the
// field checks warn on harbor.redis.password naming the ConfigMaps the
// chart copies it into and the release record; without one, no warning.
func TestRedisPasswordCopiesNamed(t *testing.T) {
	a := base(t, "dev", "harbor.redis.type=external", "harbor.redis.addr=redis.example.org:6379", "harbor.redis.password=env:HOME", "harbor.metrics=true")
	got := findingsFor(FieldFindings(a), "harbor.redis.password", Warn)
	if len(got) != 1 {
		t.Fatalf("want one warning on harbor.redis.password, got %v", got)
	}
	for _, cm := range []string{"harbor-core", "harbor-jobservice", "harbor-registry", "harbor-exporter", "release record"} {
		if !strings.Contains(got[0].Seen, cm) {
			t.Errorf("warning does not name %s: %s", cm, got[0].Seen)
		}
	}
	a = base(t, "dev", "harbor.redis.type=external", "harbor.redis.addr=redis.example.org:6379")
	if got := findingsFor(FieldFindings(a), "harbor.redis.password", Warn); len(got) > 0 {
		t.Errorf("warning without a password: %v", got)
	}
}
