package verify_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/harbor-installer/harbor-installer/harness"
	"github.com/harbor-installer/harbor-installer/kube"
	"github.com/harbor-installer/harbor-installer/steps"
	"github.com/harbor-installer/harbor-installer/verify"
	"github.com/harbor-installer/harbor-installer/verify/harbortest"
)

// fakeCluster serves Velero's state for the backup checks.
type fakeCluster struct{ st kube.VeleroState }

func (f fakeCluster) Velero(context.Context, string) (*kube.VeleroState, error) { return &f.st, nil }
func (f fakeCluster) SecretValue(context.Context, string, string, string) (string, error) {
	return "", nil
}
func (f fakeCluster) LastPodEvent(context.Context, string, string) (string, error) {
	return "harbor-jobservice-0: BackOff: Back-off restarting failed container", nil
}

func opts(t *testing.T, w *harbortest.World) verify.Options {
	t.Helper()
	res, err := verify.ParseResolve([]string{w.Resolve})
	if err != nil {
		t.Fatal(err)
	}
	return verify.Options{Timeout: 10 * time.Second, HealthWait: time.Second, Poll: 50 * time.Millisecond, Resolve: res, SecretsDir: t.TempDir(),
		Cluster: fakeCluster{kube.VeleroState{
			Locations: []kube.VeleroLocation{{Name: "default", Phase: "Available"}},
			Schedules: []kube.VeleroSchedule{{Name: "harbor-daily", Schedule: "0 2 * * *"}},
		}}}
}

func find(fs []steps.Finding, key string) *steps.Finding {
	for i := range fs {
		if fs[i].Key == key && fs[i].Level != steps.OK {
			return &fs[i]
		}
	}
	for i := range fs {
		if fs[i].Key == key {
			return &fs[i]
		}
	}
	return nil
}

func dump(t *testing.T, fs []steps.Finding) {
	t.Helper()
	for _, f := range fs {
		t.Log(f.String())
	}
}

// expectFail asserts a named failure on key whose text says want and
// which carries a fix.
func expectFail(t *testing.T, fs []steps.Finding, key, want string) {
	t.Helper()
	f := find(fs, key)
	if f == nil || f.Level != steps.Fail || !strings.Contains(f.Seen, want) || f.Hint == "" {
		dump(t, fs)
		t.Fatalf("want a failure on %s saying %q with a fix, got %+v", key, want, f)
	}
}

func TestRunEveryCheckOK(t *testing.T) {
	l := harness.NewTestLDAP(t)
	w := harbortest.NewWorld(t, harbortest.WorldOptions{LDAP: l})
	a := w.Answers(t, w.YAML(l, "backup:\n  enabled: true\n  schedule: \"0 2 * * *\"\n"))
	var streamed int
	fs, err := verify.Run(context.Background(), a, opts(t, w), func(steps.Finding) { streamed++ })
	if err != nil {
		t.Fatal(err)
	}
	dump(t, fs)
	if steps.Worst(fs) != steps.OK {
		t.Fatal("want every check ok")
	}
	for _, k := range []string{"harbor.domain", "harbor", "harbor.adminPassword", "ldap.url", "ldap.testUser", "ldap.groupAdminDN", "harbor.volumes.registry", "backup.bucket", "backup.schedule"} {
		if find(fs, k) == nil {
			t.Errorf("no finding for %s", k)
		}
	}
	if w.Harbor.TokensIssued() == 0 {
		t.Error("the push did not fetch a token from the realm at externalURL")
	}
	if streamed != len(fs) {
		t.Errorf("report saw %d findings, Run returned %d", streamed, len(fs))
	}
	// The throwaway project is gone again.
	for _, r := range w.Harbor.Requests() {
		_ = r
	}
	if n := countProjects(w, "verify-"); n != 0 {
		t.Errorf("%d throwaway projects left", n)
	}
	// The admin password is in no finding.
	b, _ := json.Marshal(fs)
	if strings.Contains(string(b), w.Password) {
		t.Error("a finding shows the admin password")
	}
}

func countProjects(w *harbortest.World, prefix string) int {
	n := 0
	for _, r := range w.Harbor.Requests() {
		if strings.HasPrefix(r, "POST /api/v2.0/projects") {
			n++
		}
		if strings.HasPrefix(r, "DELETE /api/v2.0/projects/"+prefix) && !strings.Contains(r, "/repositories") {
			n--
		}
	}
	return n
}

func TestRunWrongAdminPassword(t *testing.T) {
	w := harbortest.NewWorld(t, harbortest.WorldOptions{})
	a := w.Answers(t, w.YAML(nil, ""))
	t.Setenv(w.AdminEnv, "not-the-password")
	fs, _ := verify.Run(context.Background(), a, opts(t, w), nil)
	expectFail(t, fs, "harbor.adminPassword", "admin cannot log in")
	if strings.Contains(find(fs, "harbor.adminPassword").Seen, "not-the-password") {
		t.Error("the finding shows the password")
	}
}

func TestRunCertificateForWrongName(t *testing.T) {
	w := harbortest.NewWorld(t, harbortest.WorldOptions{CertNames: []string{"other.example.test"}})
	a := w.Answers(t, w.YAML(nil, ""))
	fs, _ := verify.Run(context.Background(), a, opts(t, w), nil)
	expectFail(t, fs, "tls.secretName", "certificate for the wrong name")
	if !strings.Contains(find(fs, "tls.secretName").Seen, "other.example.test") {
		t.Error("the finding does not say which name the certificate has")
	}
}

func TestRunUntrustedCA(t *testing.T) {
	w := harbortest.NewWorld(t, harbortest.WorldOptions{})
	other, err := harness.NewTestCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	a := w.Answers(t, w.YAML(nil, ""))
	a.TLS.CAFile = other.CertFile
	fs, _ := verify.Run(context.Background(), a, opts(t, w), nil)
	expectFail(t, fs, "tls.caFile", "not trusted")
}

func TestRunLDAPPingFails(t *testing.T) {
	l := harness.NewTestLDAP(t)
	w := harbortest.NewWorld(t, harbortest.WorldOptions{LDAP: l, LDAPBindPassword: "wrong-bind-password"})
	a := w.Answers(t, w.YAML(l, ""))
	fs, _ := verify.Run(context.Background(), a, opts(t, w), nil)
	expectFail(t, fs, "ldap.url", "LDAP ping")
}

func TestRunUnhealthyComponentNamed(t *testing.T) {
	w := harbortest.NewWorld(t, harbortest.WorldOptions{Options: harbortest.Options{Unhealthy: map[string]string{"jobservice": "dial tcp: connection refused"}}})
	a := w.Answers(t, w.YAML(nil, ""))
	fs, _ := verify.Run(context.Background(), a, opts(t, w), nil)
	expectFail(t, fs, "harbor", "jobservice (dial tcp: connection refused); its pod's last event: harbor-jobservice-0: BackOff")
}

func TestRunHealthWaitsUntilHealthy(t *testing.T) {
	w := harbortest.NewWorld(t, harbortest.WorldOptions{Options: harbortest.Options{Unhealthy: map[string]string{"registry": "starting"}}})
	a := w.Answers(t, w.YAML(nil, ""))
	o := opts(t, w)
	o.HealthWait = 10 * time.Second
	go func() { time.Sleep(300 * time.Millisecond); w.Harbor.SetUnhealthy("registry", "") }()
	fs, _ := verify.Run(context.Background(), a, o, nil)
	if f := find(fs, "harbor"); f == nil || f.Level != steps.OK {
		dump(t, fs)
		t.Fatal("health should turn ok once the registry is healthy")
	}
}

func TestRunBackupScheduleMissing(t *testing.T) {
	w := harbortest.NewWorld(t, harbortest.WorldOptions{})
	a := w.Answers(t, w.YAML(nil, "backup:\n  enabled: true\n  schedule: \"0 3 * * *\"\n"))
	o := opts(t, w)
	o.Cluster = fakeCluster{kube.VeleroState{Locations: []kube.VeleroLocation{{Name: "default", Phase: "Unavailable"}}, Schedules: []kube.VeleroSchedule{{Name: "x", Schedule: "0 2 * * *"}}}}
	fs, _ := verify.Run(context.Background(), a, o, nil)
	expectFail(t, fs, "backup.bucket", "default: Unavailable")
	expectFail(t, fs, "backup.schedule", `no Schedule runs at "0 3 * * *"`)
}

const projectsYAML = `  projects:
    - name: team-a
      public: false
      quota: 10Gi
      robot: true
      members:
        - group: cn=developers,ou=groups,dc=example,dc=org
          role: developer
        - group: cn=harbor-admins,ou=groups,dc=example,dc=org
          role: projectAdmin
    - name: shared
      public: true
`

// withProjects puts harbor.projects into the world's YAML.
func withProjects(y string) string {
	return strings.Replace(y, "harbor:\n", "harbor:\n"+projectsYAML, 1)
}

func TestSetupIdempotent(t *testing.T) {
	l := harness.NewTestLDAP(t)
	w := harbortest.NewWorld(t, harbortest.WorldOptions{LDAP: l})
	a := w.Answers(t, withProjects(w.YAML(l, "")))
	o := opts(t, w)
	fs, err := verify.Setup(context.Background(), a, o, nil)
	dump(t, fs)
	if err != nil || steps.Worst(fs) != steps.OK {
		t.Fatalf("setup: %v", err)
	}
	p := w.Harbor.Project("team-a")
	if p == nil || p.Public || p.Quota != 10<<30 {
		t.Fatalf("team-a = %+v, want private with 10Gi", p)
	}
	if p.Members["cn=developers,ou=groups,dc=example,dc=org"] != 2 || p.Members[harness.LDAPAdminGroupDN] != 1 {
		t.Errorf("team-a members = %v", p.Members)
	}
	if len(p.Robots) != 1 || p.Robots[0] != "robot$team-a+ci" {
		t.Errorf("team-a robots = %v", p.Robots)
	}
	if s := w.Harbor.Project("shared"); s == nil || !s.Public || s.Quota != -1 || len(s.Robots) != 0 {
		t.Errorf("shared = %+v", s)
	}
	// The secret is in a 0600 file named in the output, and nowhere else.
	file := verify.RobotFile(o.SecretsDir, "team-a")
	st, err := os.Stat(file)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("robot secret file %s: %v %v", file, st, err)
	}
	secret := w.Harbor.RobotSecret("robot$team-a+ci")
	b, _ := os.ReadFile(file)
	if secret == "" || !strings.Contains(string(b), secret) {
		t.Errorf("secret file does not hold the robot's secret")
	}
	out, _ := json.Marshal(fs)
	if strings.Contains(string(out), secret) {
		t.Error("a finding shows the robot secret")
	}
	if !strings.Contains(string(out), filepath.Base(file)) {
		t.Error("no finding names the secret file")
	}

	writes := w.Harbor.Writes()
	fs2, err := verify.Setup(context.Background(), a, o, nil)
	if err != nil || steps.Worst(fs2) != steps.OK {
		dump(t, fs2)
		t.Fatal(err)
	}
	if w.Harbor.Writes() != writes {
		dump(t, fs2)
		t.Fatalf("second run made %d changes, want none", w.Harbor.Writes()-writes)
	}
	if b2, _ := os.ReadFile(file); string(b2) != string(b) {
		t.Error("second run rewrote the secret file")
	}

	// Another secrets directory: the robot is not made again and the
	// missing file is a warning, not a rotated secret.
	o2 := o
	o2.SecretsDir = t.TempDir()
	fsW, _ := verify.Setup(context.Background(), a, o2, nil)
	if f := find(fsW, "harbor.projects[0].robot"); f == nil || f.Level != steps.Warn || !strings.Contains(f.Seen, "secret file") {
		dump(t, fsW)
		t.Errorf("want a warning about the missing secret file, got %+v", f)
	}
	if w.Harbor.RobotSecret("robot$team-a+ci") != secret {
		t.Error("the robot's secret was rotated")
	}

	// Drift is put back: a role, visibility and quota changed by hand.
	a.Harbor.Projects[0].Members[0].Role = "maintainer"
	a.Harbor.Projects[1].Public = false
	a.Harbor.Projects[1].Quota = "1Gi"
	fs3, _ := verify.Setup(context.Background(), a, o, nil)
	if w.Harbor.Project("team-a").Members["cn=developers,ou=groups,dc=example,dc=org"] != 4 {
		dump(t, fs3)
		t.Error("role not changed to maintainer")
	}
	if s := w.Harbor.Project("shared"); s.Public || s.Quota != 1<<30 {
		t.Errorf("shared = %+v after change", s)
	}
}

func TestSetupUnknownGroupIsNamed(t *testing.T) {
	l := harness.NewTestLDAP(t)
	w := harbortest.NewWorld(t, harbortest.WorldOptions{LDAP: l})
	a := w.Answers(t, withProjects(w.YAML(l, "")))
	a.Harbor.Projects[0].Members[0].Group = "cn=nobody,ou=groups,dc=example,dc=org"
	fs, _ := verify.Setup(context.Background(), a, opts(t, w), nil)
	expectFail(t, fs, "harbor.projects[0].members[0].group", "no LDAP group cn=nobody")
}

const migrationYAML = `migration:
  enabled: true
  source:
    name: old
    url: %s
    type: docker-registry
  schedule: "0 */12 * * *"
  startNow: true
  rules:
    - project: team-a
      filter: "team-a/**"
      tag: "v*"
    - project: legacy
      filter: "legacy/*"
`

func TestSetupMigration(t *testing.T) {
	w := harbortest.NewWorld(t, harbortest.WorldOptions{
		OldImages: []string{"team-a/app:v1", "team-a/app:v2", "team-a/app:latest", "team-a/tools/cli:v1", "legacy/db:9", "other/x:v1"},
		Options:   harbortest.Options{ReplicationDelay: 100 * time.Millisecond},
	})
	y := w.YAML(nil, strings.Replace(migrationYAML, "%s", w.OldURL, 1))
	a := w.Answers(t, y)
	o := opts(t, w)
	var progress []string
	fs, err := verify.Setup(context.Background(), a, o, func(f steps.Finding) {
		if strings.Contains(f.Seen, "in progress") {
			progress = append(progress, f.Seen)
		}
	})
	dump(t, fs)
	if err != nil || steps.Worst(fs) != steps.OK {
		t.Fatal("setup with migration should succeed")
	}
	ps := w.Harbor.Policies()
	if len(ps) != 2 {
		t.Fatalf("policies = %+v", ps)
	}
	for _, p := range ps {
		if p.Trigger != "scheduled" || p.Cron != "0 0 */12 * * *" || p.SrcRegistry != "old" || !p.Enabled {
			t.Errorf("policy %+v: want scheduled at 0 0 */12 * * * from old", p)
		}
		if p.Name == "old-to-team-a" && (p.NameFilter != "team-a/**" || p.TagFilter != "v*" || p.DestNamespace != "team-a") {
			t.Errorf("policy %+v does not carry the rule", p)
		}
	}
	if got := w.Harbor.Project("team-a").Repos; strings.Join(got, ",") != "team-a/app,team-a/tools/cli" {
		t.Errorf("team-a repositories = %v", got)
	}
	if got := w.Harbor.Project("legacy").Repos; strings.Join(got, ",") != "legacy/db" {
		t.Errorf("legacy repositories = %v", got)
	}
	var done []string
	for _, f := range fs {
		if strings.Contains(f.Seen, "succeeded") {
			done = append(done, f.Key+": "+f.Seen)
		}
	}
	if len(done) != 2 || !strings.Contains(done[0], "migration.rules[0]: replication old-to-team-a run") || !strings.Contains(done[0], "3 of 3 artifacts copied, 0 failed") {
		t.Errorf("completed runs reported: %q", done)
	}
	if len(progress) == 0 {
		t.Error("no progress reported while the run was going")
	}
	writes := w.Harbor.Writes()
	fs2, _ := verify.Setup(context.Background(), a, o, nil)
	if w.Harbor.Writes() != writes {
		dump(t, fs2)
		t.Errorf("second run made %d changes", w.Harbor.Writes()-writes)
	}
}

func TestHarborCron(t *testing.T) {
	for in, want := range map[string]string{"": "0 0 */12 * * *", "0 */12 * * *": "0 0 */12 * * *", "0 0 */12 * * *": "0 0 */12 * * *", " 5  4 * * 1 ": "0 5 4 * * 1"} {
		got, err := verify.HarborCron(in)
		if err != nil || got != want {
			t.Errorf("HarborCron(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := verify.HarborCron("* * *"); err == nil {
		t.Error("three fields accepted")
	}
}

func TestParseResolve(t *testing.T) {
	m, err := verify.ParseResolve([]string{"Registry.Example.org:127.0.0.1:8443", "b.example:10.0.0.1"})
	if err != nil || m["registry.example.org"] != "127.0.0.1:8443" || m["b.example"] != "10.0.0.1" {
		t.Fatalf("%v %v", m, err)
	}
	for _, bad := range []string{"nohost", "a:notanip", ":1.2.3.4"} {
		if _, err := verify.ParseResolve([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
