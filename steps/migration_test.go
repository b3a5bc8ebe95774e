package steps

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
)

// oldRegistry is a real distribution registry (go-containerregistry's) on
// loopback holding a few repositories; the tests put authentication in
// front of it.
func oldRegistry(t *testing.T, repos ...string) http.Handler {
	t.Helper()
	reg := ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0)))
	push := httptest.NewServer(reg)
	defer push.Close()
	for _, r := range repos {
		pushImage(t, push.URL, r)
	}
	return reg
}

// pushImage uploads a config blob and an OCI manifest through the
// distribution API, as docker push does.
func pushImage(t *testing.T, base, repo string) {
	t.Helper()
	config := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`)
	sum := sha256.Sum256(config)
	digest := "sha256:" + hex.EncodeToString(sum[:])
	resp, err := http.Post(base+"/v2/"+repo+"/blobs/uploads/", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("start upload to %s: HTTP %d", repo, resp.StatusCode)
	}
	u, _ := url.Parse(base)
	u = u.ResolveReference(loc)
	q := u.Query()
	q.Set("digest", digest)
	u.RawQuery = q.Encode()
	put := func(u string, ct string, body []byte) {
		req, _ := http.NewRequest(http.MethodPut, u, bytes.NewReader(body))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("PUT %s: HTTP %d", u, resp.StatusCode)
		}
	}
	put(u.String(), "application/octet-stream", config)
	manifest := fmt.Sprintf(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},"layers":[]}`, digest, len(config))
	put(base+"/v2/"+repo+"/manifests/v1", "application/vnd.oci.image.manifest.v1+json", []byte(manifest))
}

// basicFront asks for basic auth before the registry.
func basicFront(user, pass string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="old registry"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// tokenFront is the distribution token flow: the registry answers 401 with
// a Bearer challenge naming the realm and the scope; the realm issues a
// token for that scope to a user with the right basic credentials; the
// catalog needs a token with the catalog scope.
func tokenFront(t *testing.T, user, pass string, next http.Handler) *httptest.Server {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			fmt.Fprintf(w, `{"token": "tok-%s"}`, r.URL.Query().Get("scope"))
			return
		}
		scope := ""
		if strings.HasPrefix(r.URL.Path, "/v2/_catalog") {
			scope = "registry:catalog:*"
		}
		if r.Header.Get("Authorization") != "Bearer tok-"+scope {
			ch := fmt.Sprintf(`Bearer realm="%s/token",service="old"`, srv.URL)
			if scope != "" {
				ch += fmt.Sprintf(`,scope="%s"`, scope)
			}
			w.Header().Set("WWW-Authenticate", ch)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func migrationAnswers(t *testing.T, srcURL, user, pwEnv string, rules ...string) string {
	y := "migration:\n  enabled: true\n  source: {url: '" + srcURL + "'"
	if user != "" {
		y += ", username: " + user + ", password: env:" + pwEnv
	}
	y += "}\n  rules:\n"
	for i := 0; i+1 < len(rules); i += 2 {
		y += fmt.Sprintf("    - {project: %s, filter: '%s', tag: '**'}\n", rules[i], rules[i+1])
	}
	return y
}

func TestMigrationLive(t *testing.T) {
	reg := oldRegistry(t, "team-a/app", "team-a/tools/cli", "team-b/web")
	t.Setenv("OLD_PW", "old-registry-pw")
	t.Setenv("OLD_WRONG", "not-the-old-pw")
	ctx := context.Background()
	rules := []string{"team-a", "team-a/**", "team-b", "team-b/*", "nothing", "team-c/**"}

	anon := httptest.NewServer(reg)
	defer anon.Close()
	basic := httptest.NewServer(basicFront("puller", "old-registry-pw", reg))
	defer basic.Close()
	token := tokenFront(t, "puller", "old-registry-pw", reg)

	for _, c := range []struct {
		name, url, user, pw string
		want                map[string]Level
	}{
		{"anonymous", anon.URL, "", "", map[string]Level{"migration.source.url": OK, "migration.rules[0].filter": OK, "migration.rules[1].filter": OK, "migration.rules[2].filter": Fail}},
		{"basic", basic.URL, "puller", "OLD_PW", map[string]Level{"migration.source.url": OK, "migration.rules[0].filter": OK, "migration.rules[1].filter": OK, "migration.rules[2].filter": Fail}},
		{"basic wrong password", basic.URL, "puller", "OLD_WRONG", map[string]Level{"migration.source.password": Fail}},
		{"basic without login", basic.URL, "", "", map[string]Level{"migration.source.username": Fail}},
		{"token", token.URL, "puller", "OLD_PW", map[string]Level{"migration.source.url": OK, "migration.rules[0].filter": OK, "migration.rules[1].filter": OK, "migration.rules[2].filter": Fail}},
		{"token wrong password", token.URL, "puller", "OLD_WRONG", map[string]Level{"migration.source.password": Fail}},
		{"token without login", token.URL, "", "", map[string]Level{"migration.source.username": Fail}},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := loadAnswers(t, migrationAnswers(t, c.url, c.user, c.pw, rules...))
			fs := LiveChecks()["harbor"](ctx, a, envFor(nil))
			got := byKey(t, fs, "old-registry-pw", "not-the-old-pw")
			delete(got, "harbor.database.host")
			delete(got, "harbor.redis.addr")
			for k, v := range c.want {
				if got[k] != v {
					t.Errorf("%s = %v, want %v:\n%s", k, got[k], v, dump(fs))
				}
			}
			if len(got) != len(c.want) {
				t.Errorf("findings on %v, want only %v:\n%s", got, c.want, dump(fs))
			}
		})
	}
	t.Run("rule matches are reported", func(t *testing.T) {
		a := loadAnswers(t, migrationAnswers(t, anon.URL, "", "", "team-a", "team-a/**"))
		fs := migrationLive(ctx, a, envFor(nil))
		if !strings.Contains(dump(fs), "matches 2 of 3 repositories") {
			t.Errorf("want team-a/** to match 2 of 3:\n%s", dump(fs))
		}
	})
	t.Run("not a registry", func(t *testing.T) {
		web := httptest.NewServer(http.NotFoundHandler())
		defer web.Close()
		fs := migrationLive(ctx, loadAnswers(t, migrationAnswers(t, web.URL, "", "", "team-a", "**")), envFor(nil))
		wantLevel(t, fs, "migration.source.url", Fail)
	})
	t.Run("unreachable", func(t *testing.T) {
		fs := migrationLive(ctx, loadAnswers(t, migrationAnswers(t, "http://"+closedAddr(t), "", "", "team-a", "**")), envFor(nil))
		wantLevel(t, fs, "migration.source.url", Fail)
	})
}

func TestMigrationFieldChecks(t *testing.T) {
	t.Setenv("OLD_PW", "x")
	good := migrationAnswers(t, "https://old.example.org", "puller", "OLD_PW", "team-a", "team-a/**")
	if fs := validateMigration(loadAnswers(t, good)); Worst(fs) != OK {
		t.Errorf("good migration answers: %v", fs)
	}
	for _, c := range []struct {
		name, y, key string
		level        Level
	}{
		{"no scheme", migrationAnswers(t, "old.example.org", "", "", "a", "**"), "migration.source.url", Fail},
		{"ftp", migrationAnswers(t, "ftp://old.example.org", "", "", "a", "**"), "migration.source.url", Fail},
		{"empty url", migrationAnswers(t, "", "", "", "a", "**"), "migration.source.url", Fail},
		{"http with password", migrationAnswers(t, "http://old.example.org", "puller", "OLD_PW", "a", "**"), "migration.source.url", Warn},
		{"no rules", migrationAnswers(t, "https://old.example.org", "", ""), "migration.rules", Fail},
		{"bad project", migrationAnswers(t, "https://old.example.org", "", "", "Team_A!", "**"), "migration.rules[0].project", Fail},
		{"bad filter", migrationAnswers(t, "https://old.example.org", "", "", "a", "team-{a"), "migration.rules[0].filter", Fail},
		{"password unset", migrationAnswers(t, "https://old.example.org", "puller", "SURELY_UNSET_OLD_PW", "a", "**"), "migration.source.password", Fail},
		{"literal password", strings.Replace(good, "env:OLD_PW", "hunter2", 1), "migration.source.password", Warn},
		{"password without user", strings.Replace(good, "username: puller, ", "", 1), "migration.source.username", Fail},
		{"bad schedule", good + "  schedule: 'every day'\n", "migration.schedule", Fail},
		{"five-field schedule converted", good + "  schedule: '0 */6 * * *'\n", "migration.schedule", OK},
	} {
		t.Run(c.name, func(t *testing.T) {
			fs := FieldFindings(loadAnswers(t, c.y))
			if len(findingsFor(fs, c.key, c.level)) == 0 {
				t.Errorf("no %s on %s:\n%s", c.level, c.key, dump(fs))
			}
		})
	}
	fs := validateMigration(loadAnswers(t, good+"  schedule: '0 */6 * * *'\n"))
	if !strings.Contains(dump(fs), `"0 0 */6 * * *"`) {
		t.Errorf("conversion not shown:\n%s", dump(fs))
	}
}

func TestDoublestar(t *testing.T) {
	for _, c := range []struct {
		pattern, name string
		match         bool
	}{
		{"team-a/**", "team-a/app", true},
		{"team-a/**", "team-a/tools/cli", true},
		{"team-a/*", "team-a/tools/cli", false},
		{"team-a/*", "team-a/app", true},
		{"**", "a/b/c", true},
		{"", "anything/at/all", true},
		{"**/cli", "cli", true},
		{"**/cli", "team-a/tools/cli", true},
		{"{team-a,team-b}/*", "team-b/web", true},
		{"{team-a,team-b}/*", "team-c/web", false},
		{"app?", "app1", true},
		{"app[0-9]", "appx", false},
		{"v*", "v1.2", true},
	} {
		re, err := doublestarRegexp(c.pattern)
		if err != nil {
			t.Fatalf("%q: %v", c.pattern, err)
		}
		if re.MatchString(c.name) != c.match {
			t.Errorf("%q on %q = %v, want %v", c.pattern, c.name, !c.match, c.match)
		}
	}
}
