package install

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/render"
)

// TestRenderedPlansInstallAndRerunUnchanged runs the plans render builds
// for the presets through the engine: every Secret source resolves, the
// graph is valid, and a second run changes nothing.
func TestRenderedPlansInstallAndRerunUnchanged(t *testing.T) {
	t.Setenv("T_ONTAP_PASSWORD", "ontap-S3CRET-9923")
	t.Setenv("T_LDAP_BIND", "ldap-S3CRET-1187")
	cases := map[string]string{
		"dev":       "version: 1\npreset: dev\n",
		"eks-minio": "version: 1\npreset: eks-minio\nharbor:\n  domain: registry.example.org\n",
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
ldap:
  url: ldaps://ldap.corp.example:636
  bindDN: cn=harbor,ou=services,dc=corp,dc=example
  bindPassword: env:T_LDAP_BIND
  baseDN: ou=people,dc=corp,dc=example
`,
	}
	for name, text := range cases {
		t.Run(name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "answers.yaml")
			if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
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
			var rec recorder
			if _, err := New(f, Options{}).Run(context.Background(), plan, rec.sink); err != nil {
				t.Fatalf("%v (events %+v)", err, rec.events)
			}
			if n := len(rec.of(ReleaseReady)); n != len(plan.Releases) {
				t.Errorf("%d ready of %d", n, len(plan.Releases))
			}
			rec = recorder{}
			if _, err := New(f, Options{}).Run(context.Background(), plan, rec.sink); err != nil {
				t.Fatal(err)
			}
			if n := len(rec.of(ReleaseUnchanged)); n != len(plan.Releases) {
				t.Errorf("second run: %d unchanged of %d", n, len(plan.Releases))
			}
			if n := len(rec.of(SecretReused)); n != len(plan.Secrets) {
				t.Errorf("second run: %d secrets reused of %d", n, len(plan.Secrets))
			}
		})
	}
}
