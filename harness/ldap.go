package harness

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The test directory loaded into every LDAP server; testdata/ldap/*.ldif is
// the source of truth, these constants name what it holds.
const (
	LDAPBaseDN       = "dc=example,dc=org"
	LDAPPeopleDN     = "ou=people,dc=example,dc=org"
	LDAPGroupsDN     = "ou=groups,dc=example,dc=org"
	LDAPBindDN       = "cn=harbor-bind,ou=service,dc=example,dc=org"
	LDAPBindPassword = "harbor-bind-secret"
	// LDAPUserPassword is the password of every user below.
	LDAPUserPassword = "user-secret-12345"

	LDAPUserAlice = "alice" // in harbor-admins and developers
	LDAPUserBob   = "bob"   // in developers
	LDAPUserCarol = "carol" // in developers and auditors
	LDAPUserDave  = "dave"  // in no group

	LDAPGroupAdmins     = "harbor-admins"
	LDAPGroupDevelopers = "developers"
	LDAPGroupAuditors   = "auditors"
	LDAPAdminGroupDN    = "cn=harbor-admins,ou=groups,dc=example,dc=org"

	// Filters and attributes a Harbor LDAP configuration uses with it.
	LDAPUserFilter       = "(objectClass=inetOrgPerson)"
	LDAPUserUIDAttr      = "uid"
	LDAPGroupFilter      = "(objectClass=groupOfNames)"
	LDAPGroupNameAttr    = "cn"
	LDAPGroupMembershipA = "memberof"
)

// LDAPUsers lists the uids of the test users.
var LDAPUsers = []string{LDAPUserAlice, LDAPUserBob, LDAPUserCarol, LDAPUserDave}

// LDAPGroups lists the cns of the test groups.
var LDAPGroups = []string{LDAPGroupAdmins, LDAPGroupDevelopers, LDAPGroupAuditors}

// LDAPUserDN returns the DN of the user uid.
func LDAPUserDN(uid string) string { return "uid=" + uid + "," + LDAPPeopleDN }

// LDAPGroupDN returns the DN of the group cn.
func LDAPGroupDN(cn string) string { return "cn=" + cn + "," + LDAPGroupsDN }

//go:embed testdata/ldap/*.ldif
var ldapTestData embed.FS

// Debian's OpenLDAP (slapd 2.5) locations; variables so other distributions
// can be served by a test's TestMain.
var (
	SlapdPath   = "/usr/sbin/slapd"
	LDAPAddPath = "/usr/bin/ldapadd"
	LDAPModDir  = "/usr/lib/ldap"
	LDAPSchemas = "/etc/ldap/schema"
)

// LDAPOptions configures StartLDAP. The zero value is fine.
type LDAPOptions struct {
	Dir string  // parent directory; a new harness run dir when empty
	CA  *TestCA // issues the server certificate; a new CA in the run dir when nil
	// ExtraLDIF are files added (ldapadd, as the root DN) after the test data.
	ExtraLDIF []string
}

// LDAP is a running slapd with the test directory.
type LDAP struct {
	URL      string // ldap://127.0.0.1:P (StartTLS available)
	LDAPSURL string // ldaps://127.0.0.1:Q
	Addr     string // 127.0.0.1:P
	TLSAddr  string // 127.0.0.1:Q
	CAFile   string // PEM of the CA that signed the server certificate
	CA       *TestCA

	BaseDN       string
	BindDN       string // the service account Harbor searches with
	BindPassword string
	RootDN       string // the database's root DN (full write access)
	RootPassword string
	// MemberOf is true when the memberof overlay is loaded, so users carry
	// memberOf attributes for their groups.
	MemberOf bool

	Dir  string
	proc *Proc
	stop Stopper
	once sync.Once
}

// StartLDAP starts slapd on two free loopback ports with its own config and
// database under a run directory, and loads the test directory.
func StartLDAP(ctx context.Context, opts LDAPOptions) (_ *LDAP, err error) {
	for _, f := range [][2]string{{SlapdPath, "slapd"}, {LDAPAddPath, "ldapadd"}} {
		if err := svcNeedFile(f[0], f[1], DepsHint); err != nil {
			return nil, fmt.Errorf("ldap: %w", err)
		}
	}
	dir, rm, err := svcRunDir(opts.Dir, "ldap")
	if err != nil {
		return nil, err
	}
	l := &LDAP{
		Dir: dir, BaseDN: LDAPBaseDN, BindDN: LDAPBindDN, BindPassword: LDAPBindPassword,
		RootDN: "cn=admin," + LDAPBaseDN, RootPassword: svcToken(12),
	}
	l.stop.Add(rm)
	defer func() {
		if err != nil {
			l.Stop()
		}
	}()

	ca := opts.CA
	if ca == nil {
		if ca, err = NewTestCA(dir); err != nil {
			return nil, err
		}
	}
	l.CA, l.CAFile = ca, ca.CertFile
	sc, err := ca.IssueServer()
	if err != nil {
		return nil, err
	}
	dataDir := filepath.Join(dir, "data")
	if err := os.Mkdir(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("ldap: %w", err)
	}
	_, statErr := os.Stat(filepath.Join(LDAPModDir, "memberof.la"))
	l.MemberOf = statErr == nil

	conf := ldapConfig(dir, dataDir, l, sc)
	confPath := filepath.Join(dir, "slapd.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		return nil, fmt.Errorf("ldap: %w", err)
	}

	// Ports are free when asked but may be taken before slapd binds them;
	// a bind failure makes slapd exit, so retry with new ports.
	for attempt := 0; ; attempt++ {
		ports, err := svcPorts(2)
		if err != nil {
			return nil, err
		}
		l.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
		l.TLSAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[1]))
		l.URL, l.LDAPSURL = "ldap://"+l.Addr, "ldaps://"+l.TLSAddr
		// -d keeps slapd in the foreground; 256 logs connections and operations.
		p, err := StartProc(dir, "slapd", SlapdPath,
			[]string{"-d", "256", "-f", confPath, "-h", l.URL + "/ " + l.LDAPSURL + "/"}, nil)
		if err != nil {
			return nil, fmt.Errorf("ldap: %w", err)
		}
		err = p.WaitTCP(ctx, l.Addr)
		if err == nil {
			err = p.WaitTCP(ctx, l.TLSAddr)
		}
		if err == nil {
			l.proc = p
			l.stop.Add(func() { p.Stop(5 * time.Second) })
			break
		}
		p.Stop(time.Second)
		if attempt >= 2 || ctx.Err() != nil || !strings.Contains(p.LogTail(4000), "ddress already in use") {
			return nil, fmt.Errorf("ldap: %w", err)
		}
	}

	ldif, err := ldapDataFile(dir)
	if err != nil {
		return nil, err
	}
	for _, f := range append([]string{ldif}, opts.ExtraLDIF...) {
		err := svcRun(ctx, dir, LDAPAddPath,
			[]string{"-x", "-H", l.URL, "-D", l.RootDN, "-w", l.RootPassword, "-f", f},
			[]string{"LDAPNOINIT=1"}, nil)
		if err != nil {
			return nil, fmt.Errorf("ldap: load %s: %w\n%s", filepath.Base(f), err, l.proc.LogTail(2000))
		}
	}
	return l, nil
}

func ldapConfig(dir, dataDir string, l *LDAP, sc ServerCert) string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	w("# generated by the harbor-installer test harness")
	for _, s := range []string{"core", "cosine", "inetorgperson", "nis"} {
		w("include %s", filepath.Join(LDAPSchemas, s+".schema"))
	}
	w("modulepath %s", LDAPModDir)
	w("moduleload back_mdb")
	if l.MemberOf {
		w("moduleload memberof")
	}
	w("pidfile %s", filepath.Join(dir, "slapd.pid"))
	w("argsfile %s", filepath.Join(dir, "slapd.args"))
	w("TLSCACertificateFile %s", sc.CAFile)
	w("TLSCertificateFile %s", sc.CertFile)
	w("TLSCertificateKeyFile %s", sc.KeyFile)
	w("TLSVerifyClient never")
	w("")
	w("database mdb")
	w("maxsize 268435456")
	w("suffix %q", LDAPBaseDN)
	w("rootdn %q", l.RootDN)
	w("rootpw %s", l.RootPassword)
	w("directory %s", dataDir)
	w("index objectClass eq")
	w("index uid,cn,mail eq,sub")
	w("index member eq")
	if l.MemberOf {
		w("overlay memberof")
		w("memberof-group-oc groupOfNames")
		w("memberof-member-ad member")
		w("memberof-memberof-ad memberOf")
		w("memberof-refint TRUE")
	}
	w("access to attrs=userPassword")
	w("  by self write")
	w("  by anonymous auth")
	w("  by * none")
	w("access to *")
	w("  by dn.exact=%q read", LDAPBindDN)
	w("  by users read")
	w("  by * none")
	return b.String()
}

// ldapDataFile writes the embedded test directory, in file-name order, to
// one LDIF file in dir.
func ldapDataFile(dir string) (string, error) {
	names, err := fs.Glob(ldapTestData, "testdata/ldap/*.ldif")
	if err != nil {
		return "", err
	}
	sort.Strings(names)
	var all []byte
	for _, n := range names {
		b, err := ldapTestData.ReadFile(n)
		if err != nil {
			return "", err
		}
		all = append(all, b...)
		all = append(all, '\n')
	}
	p := filepath.Join(dir, "testdata.ldif")
	if err := os.WriteFile(p, all, 0o600); err != nil {
		return "", fmt.Errorf("ldap: %w", err)
	}
	return p, nil
}

// Pids returns the process id of slapd (its process group id too).
func (l *LDAP) Pids() []int {
	if l.proc == nil {
		return nil
	}
	return []int{l.proc.Pid()}
}

// Stop stops slapd and removes its directory. It may be called more than once.
func (l *LDAP) Stop() { l.once.Do(l.stop.Stop) }

// NewTestLDAP starts slapd for t (failing t when it cannot) and stops it at
// the end of t.
func NewTestLDAP(t testing.TB) *LDAP { return NewTestLDAPWith(t, LDAPOptions{}) }

// NewTestLDAPWith is NewTestLDAP with options.
func NewTestLDAPWith(t testing.TB, opts LDAPOptions) *LDAP {
	t.Helper()
	return startForTest(t, "LDAP (slapd)", startTimeout, func(ctx context.Context) (*LDAP, error) { return StartLDAP(ctx, opts) })
}
