package steps

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/harbor-installer/harbor-installer/answers"
)

// migrationLive checks the old registry the way Harbor's pull replication
// will use it: /v2/ answers over the scheme and CA given, the credentials
// work through the registry's own flow (a bearer token from the realm the
// registry names, or basic auth), /v2/_catalog lists repositories, and each
// rule's filter matches at least one of them. It only reads; the password
// never reaches a finding.
func migrationLive(ctx context.Context, a *answers.Answers, env *Env) []Finding {
	m := a.Migration
	if !m.Enabled {
		return nil
	}
	s := m.Source
	u, err := url.Parse(s.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil // the field check names it
	}
	roots, err := caPool(s.CAFile)
	if err != nil {
		return []Finding{fail("migration.source.caFile", err.Error(), "give a readable PEM CA bundle, or leave it empty for the system roots")}
	}
	var pw string
	if s.Username != "" {
		if pw, err = resolveSecret(s.Password); err != nil {
			return []Finding{fail("migration.source.password", err.Error(), "export the variable or fix the file reference")}
		}
	}
	timeout := env.timeout()
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: timeout}).DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		TLSClientConfig:       &tls.Config{RootCAs: roots, InsecureSkipVerify: s.Insecure, MinVersion: tls.VersionTLS12}, //nolint:gosec // migration.source.insecure asks for it, and the field check warns
	}
	defer tr.CloseIdleConnections()
	rc := &registryClient{base: strings.TrimSuffix(s.URL, "/"), user: s.Username, pass: pw, hc: &http.Client{Transport: tr, Timeout: timeout}, env: env}

	who := "anonymously"
	if s.Username != "" {
		who = "as " + s.Username
	}
	status, _, err := rc.get(ctx, "/v2/")
	if f, bad := rc.failure(s, "/v2/", status, err); bad {
		return []Finding{f}
	}
	if status != http.StatusOK {
		return []Finding{fail("migration.source.url", fmt.Sprintf("%s/v2/ answered HTTP %d: not a registry API", rc.base, status),
			"give the registry's base URL (where /v2/ answers), not a web UI's")}
	}
	out := []Finding{ok("migration.source.url", fmt.Sprintf("%s answers /v2/ %s (%s)", rc.base, who, rc.flow()))}

	repos, status, err := rc.catalog(ctx)
	if err != nil {
		if f, bad := rc.failure(s, "/v2/_catalog", status, err); bad {
			return append(out, f)
		}
		return append(out, fail("migration.source.url", fmt.Sprintf("%s/v2/_catalog: %v", rc.base, err), "check the old registry's logs"))
	}
	if status != http.StatusOK {
		return append(out, warn("migration.rules", fmt.Sprintf("%s/v2/_catalog answered HTTP %d %s: the rules cannot be checked against the repositories", rc.base, status, who),
			"let this user list the catalog (on Harbor: a system administrator; some registries never offer it), or check the filters by hand"))
	}
	for i, r := range m.Rules {
		re, err := doublestarRegexp(r.Filter)
		if err != nil {
			continue // the field check names it
		}
		var hits []string
		for _, repo := range repos {
			if re.MatchString(repo) {
				hits = append(hits, repo)
			}
		}
		key := fmt.Sprintf("migration.rules[%d].filter", i)
		if len(hits) == 0 {
			out = append(out, fail(key, fmt.Sprintf("%q matches none of the %d repositories at %s (%s)", r.Filter, len(repos), rc.base, sample(repos)),
				"write the filter against these names: * stays within one path segment, ** crosses '/'"))
			continue
		}
		out = append(out, ok(key, fmt.Sprintf("%q matches %d of %d repositories (%s), replicated into project %s", r.Filter, len(hits), len(repos), sample(hits), r.Project)))
	}
	return out
}

// sample shows up to three names.
func sample(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	if len(xs) > 3 {
		return strings.Join(xs[:3], ", ") + ", ..."
	}
	return strings.Join(xs, ", ")
}

// registryClient speaks the distribution API's read side with the
// registry's own authentication: on 401 it follows the challenge, fetching
// a bearer token from the named realm (with basic credentials when a user
// is given) or sending basic auth.
type registryClient struct {
	base       string
	user, pass string
	hc         *http.Client
	env        *Env
	auth       string // Authorization header for the next request
	scheme     string // "", "basic" or "bearer": the flow that was followed
}

// tokenError is a refused token request.
type tokenError struct {
	realm  string
	status int
}

func (e *tokenError) Error() string {
	return fmt.Sprintf("token service %s answered HTTP %d", e.realm, e.status)
}

func (c *registryClient) flow() string {
	switch c.scheme {
	case "bearer":
		return "bearer token flow"
	case "basic":
		return "basic auth"
	}
	return "no login needed"
}

// get fetches path, following one authentication challenge.
func (c *registryClient) get(ctx context.Context, path string) (int, []byte, error) {
	status, hdr, body, err := c.do(ctx, c.base+path, c.auth)
	if err != nil || status != http.StatusUnauthorized {
		return status, body, err
	}
	scheme, params := parseChallenge(hdr.Get("WWW-Authenticate"))
	switch scheme {
	case "basic":
		if c.user == "" {
			return status, body, nil
		}
		req, _ := http.NewRequest(http.MethodGet, "/", nil)
		req.SetBasicAuth(c.user, c.pass)
		c.auth, c.scheme = req.Header.Get("Authorization"), "basic"
	case "bearer":
		tok, err := c.token(ctx, params)
		if err != nil {
			return status, body, err
		}
		c.auth, c.scheme = "Bearer "+tok, "bearer"
	default:
		return status, body, nil
	}
	status, _, body, err = c.do(ctx, c.base+path, c.auth)
	return status, body, err
}

func (c *registryClient) do(ctx context.Context, u, auth string) (int, http.Header, []byte, error) {
	opCtx, cancel := c.env.op(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(opCtx, http.MethodGet, u, nil)
	if err != nil {
		return 0, nil, nil, err
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	return resp.StatusCode, resp.Header, body, err
}

// token asks the realm for a bearer token for the challenge's service and
// scope, with basic credentials when a user is given.
func (c *registryClient) token(ctx context.Context, params map[string]string) (string, error) {
	realm := params["realm"]
	ru, err := url.Parse(realm)
	if err != nil || realm == "" {
		return "", fmt.Errorf("the registry names no usable token realm (%q)", realm)
	}
	q := ru.Query()
	if v := params["service"]; v != "" {
		q.Set("service", v)
	}
	if v := params["scope"]; v != "" {
		q.Set("scope", v)
	}
	ru.RawQuery = q.Encode()
	opCtx, cancel := c.env.op(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(opCtx, http.MethodGet, ru.String(), nil)
	if err != nil {
		return "", err
	}
	if c.user != "" {
		req.SetBasicAuth(c.user, c.pass)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", &tokenError{realm: ru.Scheme + "://" + ru.Host + ru.Path, status: resp.StatusCode}
	}
	var t struct {
		Token       string `json:"token"`
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&t); err != nil {
		return "", fmt.Errorf("token service %s: %w", ru.Host, err)
	}
	if t.Token == "" {
		t.Token = t.AccessToken
	}
	if t.Token == "" {
		return "", fmt.Errorf("token service %s sent no token", ru.Host)
	}
	return t.Token, nil
}

// catalog lists every repository, following Link pagination (at most 50
// pages of 1000).
func (c *registryClient) catalog(ctx context.Context) ([]string, int, error) {
	var repos []string
	next := "/v2/_catalog?n=1000"
	for page := 0; page < 50 && next != ""; page++ {
		// A bearer token is scoped: the registry's 401 challenge names the
		// catalog scope, and get fetches a token for it.
		status, body, err := c.get(ctx, next)
		if err != nil || status != http.StatusOK {
			return repos, status, err
		}
		var r struct {
			Repositories []string `json:"repositories"`
		}
		if err := json.Unmarshal(body, &r); err != nil {
			return repos, 0, fmt.Errorf("read catalog: %w", err)
		}
		repos = append(repos, r.Repositories...)
		next = ""
		if len(r.Repositories) > 0 {
			last := r.Repositories[len(r.Repositories)-1]
			next = "/v2/_catalog?n=1000&last=" + url.QueryEscape(last)
			if len(r.Repositories) < 1000 {
				next = ""
			}
		}
	}
	return repos, http.StatusOK, nil
}

// failure turns a transport error or a refused login into a finding; bad
// is false when there is nothing to report.
func (c *registryClient) failure(s answers.MigrationSource, path string, status int, err error) (Finding, bool) {
	timeout := c.env.timeout()
	var te *tokenError
	switch {
	case errors.As(err, &te) && (te.status == http.StatusUnauthorized || te.status == http.StatusForbidden):
		if s.Username == "" {
			return fail("migration.source.username", fmt.Sprintf("%s: %v without a login", c.base, err), "give a user (and its password) that may pull from the old registry"), true
		}
		return fail("migration.source.password", fmt.Sprintf("%s refused user %s: %v", c.base, s.Username, err), "check migration.source.username and the password"), true
	case err != nil && certErrorKind(err) == "authority":
		hint := "give the CA that issued the old registry's certificate as migration.source.caFile"
		if s.CAFile != "" {
			hint = "migration.source.caFile does not hold the CA that issued the old registry's certificate"
		}
		return fail("migration.source.caFile", fmt.Sprintf("%s%s: %s", c.base, path, errText(err, timeout)), hint), true
	case err != nil && certErrorKind(err) != "":
		return fail("migration.source.url", fmt.Sprintf("%s%s: %s", c.base, path, errText(err, timeout)), "connect by a name the certificate lists, and keep the certificate valid"), true
	case err != nil:
		return fail("migration.source.url", fmt.Sprintf("cannot reach %s%s: %s", c.base, path, errText(err, timeout)), "check the URL, port and that this host can reach the old registry (Harbor's pods must too)"), true
	case status == http.StatusUnauthorized && s.Username == "":
		return fail("migration.source.username", fmt.Sprintf("%s%s needs a login", c.base, path), "give a user (and its password) that may pull from the old registry"), true
	case status == http.StatusUnauthorized:
		return fail("migration.source.password", fmt.Sprintf("%s refused user %s (HTTP 401 on %s)", c.base, s.Username, path), "check migration.source.username and the password"), true
	}
	return Finding{}, false
}

// parseChallenge reads a WWW-Authenticate header: its scheme (lower case)
// and its key="value" parameters.
func parseChallenge(h string) (string, map[string]string) {
	scheme, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	params := map[string]string{}
	for rest != "" {
		rest = strings.TrimLeft(rest, " ,")
		k, v, found := strings.Cut(rest, "=")
		if !found {
			break
		}
		k = strings.ToLower(strings.TrimSpace(k))
		if strings.HasPrefix(v, `"`) {
			end := strings.Index(v[1:], `"`)
			if end < 0 {
				params[k] = v[1:]
				break
			}
			params[k] = v[1 : end+1]
			rest = v[end+2:]
		} else {
			val, r, _ := strings.Cut(v, ",")
			params[k] = strings.TrimSpace(val)
			rest = r
		}
	}
	return strings.ToLower(scheme), params
}
