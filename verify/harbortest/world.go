package harbortest

import (
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/harness"
)

// WorldOptions configures NewWorld.
type WorldOptions struct {
	// Domain is harbor.domain (registry.example.test when empty).
	Domain string
	// CertNames are the names on the certificate the stand-in serves
	// (Domain when empty): give another name to test the wrong-name case.
	CertNames []string
	// LDAP is the real LDAP server Harbor's stored settings point at.
	LDAP *harness.LDAP
	// LDAPBindPassword overrides the stored bind password (a failing ping).
	LDAPBindPassword string
	// Blobs is the stand-in registry's blob store (memory when nil).
	Blobs registry.BlobHandler
	// OldImages are repository:tag names the old registry holds, e.g.
	// "team-a/app:v1"; no old registry when empty.
	OldImages []string
	// Options are passed on to the stand-in (TLS, LDAP and Blobs are set
	// from the fields above).
	Options Options
}

// World is a stand-in Harbor behind TLS for a DNS name, an answers value
// that points at it, and optionally an old registry with images.
type World struct {
	Harbor   *Server
	CA       *harness.TestCA
	Domain   string
	Password string // the admin password, also in env AdminEnv
	AdminEnv string
	// Resolve is the --resolve value that sends Domain to the stand-in.
	Resolve string
	// Old is the old registry (nil without OldImages); OldURL its base URL.
	Old    *httptest.Server
	OldURL string
	Dir    string
}

// NewWorld starts a world for t; everything stops at the end of t.
func NewWorld(t testing.TB, o WorldOptions) *World {
	t.Helper()
	w := &World{Domain: o.Domain, Dir: t.TempDir(), Password: "Harbor-Admin-" + strings.ReplaceAll(t.Name(), "/", "-"), AdminEnv: "HARBORTEST_ADMIN_PASSWORD"}
	if w.Domain == "" {
		w.Domain = "registry.example.test"
	}
	t.Setenv(w.AdminEnv, w.Password)
	ca, err := harness.NewTestCA(w.Dir)
	if err != nil {
		t.Fatal(err)
	}
	w.CA = ca
	names := o.CertNames
	if len(names) == 0 {
		names = []string{w.Domain}
	}
	sc, err := ca.IssueServer(names...)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.LoadX509KeyPair(sc.CertFile, sc.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	opts := o.Options
	opts.AdminPassword = w.Password
	opts.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	opts.Blobs = o.Blobs
	if opts.ExternalURL == "" {
		opts.ExternalURL = "https://" + w.Domain
	}
	if l := o.LDAP; l != nil {
		t.Setenv("HARBORTEST_LDAP_BIND", l.BindPassword)
		pass := l.BindPassword
		if o.LDAPBindPassword != "" {
			pass = o.LDAPBindPassword
		}
		opts.LDAP = &LDAPConfig{URL: l.URL, SearchDN: l.BindDN, SearchPass: pass, BaseDN: harness.LDAPBaseDN, Filter: harness.LDAPUserFilter,
			UID: harness.LDAPUserUIDAttr, Scope: 2, GroupBaseDN: harness.LDAPGroupsDN, GroupFilter: harness.LDAPGroupFilter, GroupNameAtt: harness.LDAPGroupNameAttr}
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	w.Harbor = s
	w.Resolve = w.Domain + ":" + s.Addr
	if len(o.OldImages) > 0 {
		w.Old = httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
		t.Cleanup(w.Old.Close)
		w.OldURL = w.Old.URL
		host := strings.TrimPrefix(w.Old.URL, "http://")
		for _, ref := range o.OldImages {
			img, err := random.Image(512, 1)
			if err != nil {
				t.Fatal(err)
			}
			tag, err := name.NewTag(host+"/"+ref, name.Insecure)
			if err != nil {
				t.Fatal(err)
			}
			if err := remote.Write(tag, img); err != nil {
				t.Fatalf("fill the old registry: %v", err)
			}
		}
	}
	return w
}

// YAML is an answers file for the world: Harbor at Domain trusting the
// test CA, blobs on the filesystem, LDAP when the world has it. extra is
// appended (top-level keys the base does not set).
func (w *World) YAML(ldap *harness.LDAP, extra string) string {
	s := fmt.Sprintf(`version: 1
harbor:
  domain: %s
  adminPassword: env:%s
tls:
  mode: secret
  caFile: %s
ingress:
  className: nginx
  controller: nginx
storage:
  provider: existing
  storageClass: standard
`, w.Domain, w.AdminEnv, w.CA.CertFile)
	if ldap != nil {
		s += fmt.Sprintf(`ldap:
  enabled: true
  url: %s
  allowPlaintext: true
  bindDN: %s
  bindPassword: env:HARBORTEST_LDAP_BIND
  baseDN: %s
  uidAttribute: uid
  filter: "%s"
  groupBaseDN: %s
  groupFilter: "%s"
  groupAdminDN: %s
  testUser: %s
`, ldap.URL, ldap.BindDN, harness.LDAPBaseDN, harness.LDAPUserFilter, harness.LDAPGroupsDN, harness.LDAPGroupFilter, harness.LDAPAdminGroupDN, harness.LDAPUserAlice)
	}
	return s + extra
}

// Answers loads YAML the way the CLI does.
func (w *World) Answers(t testing.TB, yaml string) *answers.Answers {
	t.Helper()
	l, err := answers.Load(answers.Options{Data: []byte(yaml), File: "answers.yaml"})
	if err != nil {
		t.Fatalf("load answers: %v\n%s", err, yaml)
	}
	return &l.Answers
}
