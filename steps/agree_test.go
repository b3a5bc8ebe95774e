package steps

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/harbor-installer/harbor-installer/render"
)

// harborValues renders a and returns the Harbor release's values, or the
// render error.
func harborValues(t *testing.T, p *render.Plan) map[string]any {
	t.Helper()
	for _, r := range p.Releases {
		if r.Chart.Name == "harbor" {
			return r.Values
		}
	}
	t.Fatalf("no harbor release in the plan")
	return nil
}

// TestReplicasAgreeWithRender: for every storage and replica combination,
// answers the field checks pass render without error, and
// "job logs go to the database" is said exactly when render writes
// jobLoggers [database] (so jobservice on ReadWriteOnce with any number of
// replicas is fine).
func TestReplicasAgreeWithRender(t *testing.T) {
	for _, provider := range []string{"ebs", "trident"} {
		for _, blob := range []string{"filesystem", "minio"} {
			for _, reg := range []int{1, 2} {
				for _, job := range []int{1, 3} {
					name := fmt.Sprintf("%s/%s/registry=%d/jobservice=%d", provider, blob, reg, job)
					t.Run(name, func(t *testing.T) {
						sets := []string{"harbor.domain=r.example.org", "storage.provider=" + provider, "storage.storageClass=sc",
							fmt.Sprintf("harbor.replicas.registry=%d", reg), fmt.Sprintf("harbor.replicas.jobservice=%d", job),
							"minio.enabled=" + fmt.Sprint(blob == "minio")}
						a := base(t, "dev", sets...)
						fs := FieldFindings(a)
						fieldFails := len(findingsFor(fs, "harbor.replicas", Fail)) > 0
						// The rule lives in steps/ only (issue 10): render
						// renders what it can, so a field fail is not a
						// render error, and a pass must render.
						if fieldFails {
							return
						}
						p, err := render.Build(a)
						if err != nil {
							t.Fatalf("field checks pass but render refuses: %v\n%s", err, dump(fs))
						}
						job := harborValues(t, p)["jobservice"].(map[string]any)
						inDB := reflect.DeepEqual(job["jobLoggers"], []any{"database"})
						if inDB != a.JobLogsInDatabase() {
							t.Errorf("render jobLoggers %v, answers.JobLogsInDatabase %v", job["jobLoggers"], a.JobLogsInDatabase())
						}
						said := strings.Contains(dump(fs), "job logs go to the database")
						if said != (inDB && a.Harbor.Replicas.Of("jobservice") > 1) {
							t.Errorf("field checks say database job logs %v, render writes %v:\n%s", said, job["jobLoggers"], dump(fs))
						}
					})
				}
			}
		}
	}
}

// TestUpperCaseDomainLowerCasedByBoth: an upper-case harbor.domain is
// lower-cased by the field checks and by render alike, never refused by one
// and used by the other.
func TestUpperCaseDomainLowerCasedByBoth(t *testing.T) {
	a := base(t, "dev", "harbor.domain=Registry.Example.ORG")
	fs := FieldFindings(a)
	if got := findingsFor(fs, "harbor.domain", Fail); len(got) > 0 {
		t.Fatalf("field checks refuse what render lower-cases: %v", got)
	}
	if !strings.Contains(dump(fs), "registry.example.org") {
		t.Errorf("field checks do not say the lower-case name:\n%s", dump(fs))
	}
	p, err := render.Build(a)
	if err != nil {
		t.Fatal(err)
	}
	v := harborValues(t, p)
	if v["externalURL"] != "http://registry.example.org" && v["externalURL"] != "https://registry.example.org" {
		t.Errorf("render externalURL %v", v["externalURL"])
	}
	if host := fmt.Sprint(v["expose"]); strings.Contains(host, "Registry") {
		t.Errorf("render keeps upper case in expose: %s", host)
	}
}

// TestMinIOSecretLength: references to MinIO's root password and Harbor's
// secret key must resolve to 8 to 40 characters; the check names the
// length, never the value; generated ones (render's) comply.
func TestMinIOSecretLength(t *testing.T) {
	t.Setenv("T_SHORT", "short7x")
	t.Setenv("T_LONG", strings.Repeat("L", 41))
	t.Setenv("T_GOOD", "good-secret-key-1234")
	for _, c := range []struct {
		root, key string
		want      map[string]Level
	}{
		{"env:T_SHORT", "env:T_LONG", map[string]Level{"minio.rootPassword": Fail, "minio.harborSecretKey": Fail}},
		{"env:T_GOOD", "env:T_GOOD", map[string]Level{"minio.rootPassword": OK, "minio.harborSecretKey": OK}},
		{"", "", map[string]Level{}},
	} {
		a := loadAnswers(t, fmt.Sprintf("minio: {enabled: true, rootPassword: '%s', harborSecretKey: '%s'}", c.root, c.key))
		fs := minioSecretsLive(context.Background(), a, envFor(nil))
		got := byKey(t, fs, "short7x", strings.Repeat("L", 41), "good-secret-key-1234")
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("root %s key %s: got %v, want %v:\n%s", c.root, c.key, got, c.want, dump(fs))
		}
	}
	// The step runs it: LiveChecks' minio check includes the length check.
	a := loadAnswers(t, "minio: {enabled: true, rootPassword: 'env:T_SHORT'}")
	if fs := LiveChecks()["minio"](context.Background(), a, envFor(nil)); len(findingsFor(fs, "minio.rootPassword", Fail)) == 0 {
		t.Errorf("minio step's live check does not check the length:\n%s", dump(fs))
	}
	// Generated values comply.
	p, err := render.Build(base(t, "eks-minio", "harbor.domain=r.example.org"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range p.Secrets {
		for _, k := range s.Keys {
			if k.From.Answer == "minio.rootPassword" || k.From.Answer == "minio.harborSecretKey" {
				n++
				if k.From.Kind == render.FromGenerated && (k.From.Length < minioSecretMin || k.From.Length > minioSecretMax) {
					t.Errorf("%s generated with %d characters", k.From.Answer, k.From.Length)
				}
			}
		}
	}
	if n == 0 {
		t.Error("render generates no MinIO secret to check")
	}
}
