//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/redis/go-redis/v9"

	"github.com/harbor-installer/harbor-installer/harness"
)

// servicesCAConfig builds a client TLS configuration the way a user of the
// installer would: from the CA file alone.
func servicesCAConfig(t *testing.T, caFile string) *tls.Config {
	t.Helper()
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatalf("read CA file: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("no certificate in %s", caFile)
	}
	return &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

// servicesAssertGone checks that a stopped service left no process, no
// listening port and no directory.
func servicesAssertGone(t *testing.T, what, dir string, pids []int, addrs ...string) {
	t.Helper()
	if left := harness.ProcessesUnder(dir); len(left) > 0 {
		t.Errorf("%s: processes left under %s after Stop: %v", what, dir, left)
	}
	for _, pid := range pids {
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
			t.Errorf("%s: process %d still exists after Stop", what, pid)
		}
	}
	for _, a := range addrs {
		if c, err := net.DialTimeout("tcp", a, 300*time.Millisecond); err == nil {
			c.Close()
			t.Errorf("%s: %s still accepts connections after Stop", what, a)
		}
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s: directory %s still there after Stop (stat: %v)", what, dir, err)
	}
}

func TestServicesLDAP(t *testing.T) {
	l := harness.NewTestLDAP(t)
	t.Logf("slapd: %s %s (memberOf overlay: %v)", l.URL, l.LDAPSURL, l.MemberOf)
	tlsCfg := servicesCAConfig(t, l.CAFile)

	searchAlice := func(t *testing.T, c *ldap.Conn) {
		t.Helper()
		res, err := c.Search(ldap.NewSearchRequest(l.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 5, false,
			"(&"+harness.LDAPUserFilter+"(uid="+harness.LDAPUserAlice+"))", []string{"uid", "cn", "mail", "memberOf"}, nil))
		if err != nil {
			t.Fatalf("search: %v", err)
		}
		if len(res.Entries) != 1 {
			t.Fatalf("search alice: %d entries, want 1", len(res.Entries))
		}
		e := res.Entries[0]
		if e.DN != harness.LDAPUserDN(harness.LDAPUserAlice) || e.GetAttributeValue("mail") != "alice@example.org" {
			t.Errorf("alice: got DN %q mail %q", e.DN, e.GetAttributeValue("mail"))
		}
		if l.MemberOf {
			groups := e.GetAttributeValues("memberOf")
			if !slices.Contains(groups, harness.LDAPAdminGroupDN) || !slices.Contains(groups, harness.LDAPGroupDN(harness.LDAPGroupDevelopers)) {
				t.Errorf("alice memberOf = %v, want %s and developers", groups, harness.LDAPAdminGroupDN)
			}
		}
	}

	t.Run("LDAPS", func(t *testing.T) {
		c, err := ldap.DialURL(l.LDAPSURL, ldap.DialWithTLSConfig(tlsCfg))
		if err != nil {
			t.Fatalf("dial %s: %v", l.LDAPSURL, err)
		}
		defer c.Close()
		if err := c.Bind(l.BindDN, l.BindPassword); err != nil {
			t.Fatalf("bind as %s: %v", l.BindDN, err)
		}
		searchAlice(t, c)
		res, err := c.Search(ldap.NewSearchRequest(harness.LDAPGroupsDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 5, false,
			"(&"+harness.LDAPGroupFilter+"(cn="+harness.LDAPGroupAdmins+"))", []string{"member"}, nil))
		if err != nil || len(res.Entries) != 1 {
			t.Fatalf("search admin group: %v (%v)", res, err)
		}
		if m := res.Entries[0].GetAttributeValues("member"); !slices.Equal(m, []string{harness.LDAPUserDN(harness.LDAPUserAlice)}) {
			t.Errorf("harbor-admins members = %v", m)
		}
	})

	t.Run("LDAPSUntrusted", func(t *testing.T) {
		_, err := ldap.DialURL(l.LDAPSURL, ldap.DialWithTLSConfig(&tls.Config{MinVersion: tls.VersionTLS12}))
		if err == nil {
			t.Fatal("LDAPS without the test CA should fail certificate verification")
		}
	})

	t.Run("StartTLS", func(t *testing.T) {
		c, err := ldap.DialURL(l.URL)
		if err != nil {
			t.Fatalf("dial %s: %v", l.URL, err)
		}
		defer c.Close()
		if err := c.StartTLS(tlsCfg); err != nil {
			t.Fatalf("StartTLS: %v", err)
		}
		if _, ok := c.TLSConnectionState(); !ok {
			t.Fatal("no TLS after StartTLS")
		}
		if err := c.Bind(l.BindDN, l.BindPassword); err != nil {
			t.Fatalf("bind: %v", err)
		}
		searchAlice(t, c)
	})

	t.Run("UserBind", func(t *testing.T) {
		c, err := ldap.DialURL(l.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		for _, u := range harness.LDAPUsers {
			if err := c.Bind(harness.LDAPUserDN(u), harness.LDAPUserPassword); err != nil {
				t.Errorf("bind as %s: %v", u, err)
			}
		}
	})

	t.Run("WrongPassword", func(t *testing.T) {
		c, err := ldap.DialURL(l.LDAPSURL, ldap.DialWithTLSConfig(tlsCfg))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		err = c.Bind(l.BindDN, "not-the-password")
		if !ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
			t.Fatalf("bind with a wrong password: got %v, want LDAP result 49 (invalid credentials)", err)
		}
	})

	t.Run("Stop", func(t *testing.T) {
		dir, pids := l.Dir, l.Pids()
		l.Stop()
		servicesAssertGone(t, "slapd", dir, pids, strings.TrimPrefix(l.URL, "ldap://"), strings.TrimPrefix(l.LDAPSURL, "ldaps://"))
	})
}

func TestServicesBlackHole(t *testing.T) {
	bh := harness.NewTestBlackHole(t)
	start := time.Now()
	err := func() error {
		c, err := ldap.DialURL(bh.URL, ldap.DialWithDialer(&net.Dialer{Timeout: 500 * time.Millisecond}))
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetTimeout(500 * time.Millisecond)
		return c.Bind(harness.LDAPBindDN, harness.LDAPBindPassword)
	}()
	elapsed := time.Since(start)
	if err == nil {
		t.Fatal("LDAP bind against the black hole succeeded")
	}
	t.Logf("black hole bind failed after %v: %v", elapsed.Round(time.Millisecond), err)
	if elapsed > 1500*time.Millisecond {
		t.Errorf("bind with a 500ms timeout took %v", elapsed)
	}
	bh.Stop()
	if c, err := net.DialTimeout("tcp", bh.Addr, 300*time.Millisecond); err == nil {
		c.Close()
		t.Errorf("black hole %s still accepts after Stop", bh.Addr)
	}
}

func TestServicesMinIO(t *testing.T) {
	for _, tc := range []struct {
		name string
		tls  bool
	}{{"HTTP", false}, {"HTTPS", true}} {
		t.Run(tc.name, func(t *testing.T) {
			m := harness.NewTestMinIO(t, harness.MinIOOptions{TLS: tc.tls})
			t.Logf("minio: %s (console %s)", m.Endpoint, m.ConsoleEndpoint)
			tr := &http.Transport{Proxy: nil}
			if tc.tls {
				tr.TLSClientConfig = servicesCAConfig(t, m.CAFile)
			}
			mc, err := minio.New(m.Addr, &minio.Options{
				Creds:     credentials.NewStaticV4(m.RootUser, m.RootPassword, ""),
				Secure:    m.Secure,
				Transport: tr,
				Region:    m.Region,
			})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			const bucket, object = "harbor-registry", "docker/registry/v2/hello.txt"
			if err := mc.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: m.Region}); err != nil {
				t.Fatalf("make bucket: %v", err)
			}
			payload := []byte("hello from the harness\n")
			if _, err := mc.PutObject(ctx, bucket, object, bytes.NewReader(payload), int64(len(payload)),
				minio.PutObjectOptions{ContentType: "text/plain"}); err != nil {
				t.Fatalf("put: %v", err)
			}
			obj, err := mc.GetObject(ctx, bucket, object, minio.GetObjectOptions{})
			if err != nil {
				t.Fatalf("get: %v", err)
			}
			got, err := io.ReadAll(obj)
			obj.Close()
			if err != nil || !bytes.Equal(got, payload) {
				t.Fatalf("get: %q, %v; want %q", got, err, payload)
			}
			if err := mc.RemoveObject(ctx, bucket, object, minio.RemoveObjectOptions{}); err != nil {
				t.Fatalf("delete: %v", err)
			}
			if _, err := mc.StatObject(ctx, bucket, object, minio.StatObjectOptions{}); minio.ToErrorResponse(err).Code != "NoSuchKey" {
				t.Fatalf("stat after delete: %v, want NoSuchKey", err)
			}
			bad, _ := minio.New(m.Addr, &minio.Options{Creds: credentials.NewStaticV4(m.RootUser, "wrong-secret", ""), Secure: m.Secure, Transport: tr})
			if _, err := bad.ListBuckets(ctx); err == nil {
				t.Error("listing buckets with a wrong secret key succeeded")
			}
			tr.CloseIdleConnections()

			dir, pids := m.Dir, m.Pids()
			m.Stop()
			servicesAssertGone(t, "minio", dir, pids, m.Addr, strings.TrimPrefix(strings.TrimPrefix(m.ConsoleEndpoint, "https://"), "http://"))
		})
	}
}

func TestServicesPostgres(t *testing.T) {
	pg := harness.NewTestPostgres(t, harness.PostgresOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, pg.DSN())
	if err != nil {
		t.Fatalf("connect %s as %s: %v", pg.Addr, pg.User, err)
	}
	var user, db string
	if err := conn.QueryRow(ctx, "SELECT current_user, current_database()").Scan(&user, &db); err != nil {
		t.Fatal(err)
	}
	if user != pg.User || db != pg.Database {
		t.Errorf("connected as %s to %s, want %s to %s", user, db, pg.User, pg.Database)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE t (id int primary key, name text)"); err != nil {
		t.Fatalf("create table as the database owner: %v", err)
	}
	if _, err := conn.Exec(ctx, "INSERT INTO t VALUES (1, 'harbor')"); err != nil {
		t.Fatal(err)
	}
	var name string
	if err := conn.QueryRow(ctx, "SELECT name FROM t WHERE id = 1").Scan(&name); err != nil || name != "harbor" {
		t.Fatalf("select: %q, %v", name, err)
	}
	var method string
	if err := conn.QueryRow(ctx, "SELECT substr(rolpassword, 1, 13) FROM pg_authid WHERE rolname = current_user").Scan(&method); err == nil && method != "SCRAM-SHA-256" {
		t.Errorf("password stored as %q, want SCRAM-SHA-256", method)
	}
	conn.Close(ctx)

	bad := strings.Replace(pg.DSN(), pg.Password, "wrong", 1)
	if c, err := pgx.Connect(ctx, bad); err == nil {
		c.Close(ctx)
		t.Error("connecting with a wrong password succeeded")
	}

	// Stop while a client is connected: fast shutdown must not wait for it.
	held, err := pgx.Connect(ctx, pg.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close(context.Background())
	dir, pids := pg.Dir, pg.Pids()
	start := time.Now()
	pg.Stop()
	t.Logf("postgres stopped in %v", time.Since(start).Round(time.Millisecond))
	servicesAssertGone(t, "postgres", dir, pids, pg.Addr)
}

func TestServicesRedis(t *testing.T) {
	r := harness.NewTestRedis(t, harness.RedisOptions{Sentinel: true})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	rc := redis.NewClient(&redis.Options{Addr: r.Addr, Password: r.Password})
	if err := rc.Ping(ctx).Err(); err != nil {
		t.Fatalf("AUTH+PING %s: %v", r.Addr, err)
	}
	if err := rc.Set(ctx, "harness", "ok", 0).Err(); err != nil {
		t.Fatal(err)
	}
	rc.Close()

	noauth := redis.NewClient(&redis.Options{Addr: r.Addr, Password: "wrong"})
	if err := noauth.Ping(ctx).Err(); err == nil {
		t.Error("PING with a wrong password succeeded")
	}
	noauth.Close()

	sc := redis.NewSentinelClient(&redis.Options{Addr: r.SentinelAddr})
	addr, err := sc.GetMasterAddrByName(ctx, r.MasterName).Result()
	sc.Close()
	if err != nil {
		t.Fatalf("sentinel get-master-addr-by-name %s: %v", r.MasterName, err)
	}
	if got := net.JoinHostPort(addr[0], addr[1]); got != r.Addr {
		t.Errorf("sentinel says master is %s, want %s", got, r.Addr)
	}

	fc := redis.NewFailoverClient(&redis.FailoverOptions{
		MasterName: r.MasterName, SentinelAddrs: []string{r.SentinelAddr}, Password: r.Password,
	})
	if v, err := fc.Get(ctx, "harness").Result(); err != nil || v != "ok" {
		t.Errorf("GET through the sentinel: %q, %v", v, err)
	}
	fc.Close()

	dir, pids := r.Dir, r.Pids()
	r.Stop()
	servicesAssertGone(t, "redis", dir, pids, r.Addr, r.SentinelAddr)
}

// TestServicesAggregate starts several services through StartServices with
// one CA and checks that one Stop removes everything.
func TestServicesAggregate(t *testing.T) {
	s := harness.NewTestServices(t, harness.ServicesOptions{LDAP: true, Postgres: true, Redis: true})
	if s.LDAP.CAFile != s.CA.CertFile {
		t.Errorf("LDAP CA %s, want the shared %s", s.LDAP.CAFile, s.CA.CertFile)
	}
	c, err := ldap.DialURL(s.LDAP.LDAPSURL, ldap.DialWithTLSConfig(s.CA.ClientTLS("127.0.0.1")))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Bind(s.LDAP.BindDN, s.LDAP.BindPassword); err != nil {
		t.Error(err)
	}
	c.Close()
	pids := append(append(s.LDAP.Pids(), s.Postgres.Pids()...), s.Redis.Pids()...)
	s.Stop()
	servicesAssertGone(t, "services", s.Dir, pids, s.LDAP.Addr, s.LDAP.TLSAddr, s.Postgres.Addr, s.Redis.Addr)
}
