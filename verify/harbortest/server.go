// Package harbortest is a stand-in for Harbor's v2.0 API on loopback, for
// tests: Harbor itself cannot run here. It implements exactly the
// endpoints package harborapi calls, with Harbor's request and response
// shapes (bodies are checked against the swagger's definitions), in front
// of a real OCI registry (go-containerregistry's pkg/registry) whose blobs
// go where the test says (a real MinIO bucket through S3, or memory). Its
// LDAP endpoints talk to a real LDAP server; its replication copies images
// from a real source registry.
package harbortest

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
)

// Options configures a stand-in. The zero value plus an AdminPassword is a
// plain-HTTP Harbor with db auth and blobs in memory.
type Options struct {
	// AdminPassword is the password of user admin.
	AdminPassword string
	// TLS is the server side (its certificate); nil serves plain HTTP.
	TLS *tls.Config
	// LDAP, when set, is Harbor's stored LDAP configuration (auth_mode
	// ldap_auth); the LDAP endpoints use it against the real server.
	LDAP *LDAPConfig
	// Blobs is the registry's blob store; memory when nil. See S3Blobs.
	Blobs registry.BlobHandler
	// Unhealthy marks components unhealthy in /health: name -> error.
	Unhealthy map[string]string
	// ReplicationDelay slows each copied artifact so progress can be seen.
	ReplicationDelay time.Duration
	// RobotPrefix is Harbor's robot_name_prefix ("robot$" when empty).
	RobotPrefix string
	// ExternalURL is Harbor's externalURL: the registry's token realm is
	// <ExternalURL>/service/token, as in Harbor, so clients must reach
	// the token service under that name. The server's URL when empty.
	ExternalURL string
}

// Server is a running stand-in.
type Server struct {
	// URL is https://127.0.0.1:P (or http://).
	URL  string
	Addr string

	opts     Options
	srv      *httptest.Server
	registry http.Handler

	mu           sync.Mutex
	nextID       int64
	projects     map[string]*project
	registries   map[int64]*registryEndpoint
	policies     map[int64]*policy
	executions   map[int64]*execution
	robots       map[int64]*robot
	groups       map[string]int64 // ldap group DN -> user group id
	writes       atomic.Int64
	writeLog     []string
	tokens       map[string]string // bearer token -> user
	requestsSeen []string
}

// New starts a stand-in on a free loopback port; Close stops it.
func New(opts Options) (*Server, error) {
	if opts.RobotPrefix == "" {
		opts.RobotPrefix = "robot$"
	}
	s := &Server{
		opts: opts, nextID: 1,
		projects: map[string]*project{}, registries: map[int64]*registryEndpoint{}, policies: map[int64]*policy{},
		executions: map[int64]*execution{}, robots: map[int64]*robot{}, groups: map[string]int64{}, tokens: map[string]string{},
	}
	ropts := []registry.Option{registry.Logger(log.New(io.Discard, "", 0))}
	if opts.Blobs != nil {
		ropts = append(ropts, registry.WithBlobHandler(opts.Blobs))
	}
	s.registry = registry.New(ropts...)
	// Harbor's "library" project exists from the start.
	s.projects["library"] = &project{ID: s.id(), Name: "library", Public: true, Quota: -1, Members: map[int64]*member{}, Repos: map[string]map[string]bool{}}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Listener.Close()
	s.srv.Listener = l
	// Clients that refuse the certificate are what some tests are about.
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if opts.TLS != nil {
		s.srv.TLS = opts.TLS
		s.srv.StartTLS()
	} else {
		s.srv.Start()
	}
	s.URL = s.srv.URL
	s.Addr = l.Addr().String()
	if s.opts.ExternalURL == "" {
		s.opts.ExternalURL = s.URL
	}
	return s, nil
}

// Close stops the server and waits for running replications.
func (s *Server) Close() { s.srv.Close() }

// Writes counts the API requests that changed something (POST, PUT,
// DELETE answered 2xx): a re-run that changes nothing leaves it as it was.
func (s *Server) Writes() int64 { return s.writes.Load() }

// WriteLog lists the changing requests ("METHOD /path", with the name
// for POST /api/v2.0/projects).
func (s *Server) WriteLog() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.writeLog...)
}

// Requests lists "METHOD /path" of every API request so far.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requestsSeen...)
}

// SetUnhealthy marks a component unhealthy (err != "") or healthy.
func (s *Server) SetUnhealthy(component, err string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opts.Unhealthy == nil {
		s.opts.Unhealthy = map[string]string{}
	}
	if err == "" {
		delete(s.opts.Unhealthy, component)
	} else {
		s.opts.Unhealthy[component] = err
	}
}

func (s *Server) id() int64 { s.nextID++; return s.nextID - 1 }

// statusWriter remembers the status for the write counter.
type statusWriter struct {
	http.ResponseWriter
	status int
}

// WriteHeader notes the status.
func (w *statusWriter) WriteHeader(code int) { w.status = code; w.ResponseWriter.WriteHeader(code) }

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/v2" || strings.HasPrefix(r.URL.Path, "/v2/"):
		s.serveRegistry(w, r)
	case r.URL.Path == "/service/token":
		s.serveToken(w, r)
	case strings.HasPrefix(r.URL.Path, "/api/v2.0/"):
		sw := &statusWriter{ResponseWriter: w, status: 200}
		what := r.Method + " " + r.URL.Path
		if r.Method == http.MethodPost && r.URL.Path == "/api/v2.0/projects" {
			// Name the project so tests can tell setup from the probe.
			b := body(r)
			var p struct {
				Name string `json:"project_name"`
			}
			_ = json.Unmarshal(b, &p)
			what += " " + p.Name
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		s.mu.Lock()
		s.requestsSeen = append(s.requestsSeen, r.Method+" "+r.URL.Path)
		s.mu.Unlock()
		s.serveAPI(sw, r, strings.TrimPrefix(r.URL.Path, "/api/v2.0"))
		if r.Method != http.MethodGet && r.Method != http.MethodHead && sw.status/100 == 2 &&
			r.URL.Path != "/api/v2.0/ldap/ping" {
			s.writes.Add(1)
			s.mu.Lock()
			s.writeLog = append(s.writeLog, what)
			s.mu.Unlock()
		}
	default:
		http.NotFound(w, r)
	}
}

// harborError writes Harbor's Errors body.
func harborError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"code": code, "message": msg}}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func created(w http.ResponseWriter, path string, id int64) {
	w.Header().Set("Location", fmt.Sprintf("/api/v2.0%s/%d", path, id))
	w.WriteHeader(http.StatusCreated)
}

// user is who the basic auth header names: "admin", a robot's name, or "".
func (s *Server) user(r *http.Request) string {
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.tokens[tok]
	}
	u, p, ok := r.BasicAuth()
	if !ok {
		return ""
	}
	if u == "admin" && p == s.opts.AdminPassword {
		return "admin"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rb := range s.robots {
		if rb.FullName == u && rb.Secret == p {
			return u
		}
	}
	return ""
}

func body(r *http.Request) []byte {
	b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	return b
}

// decode validates the body against a swagger definition.
func decode(w http.ResponseWriter, r *http.Request, def string, out any) bool {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		harborError(w, http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "want application/json, got "+ct)
		return false
	}
	if err := validate(def, body(r), out); err != nil {
		harborError(w, http.StatusBadRequest, "BAD_REQUEST", err.Error())
		return false
	}
	return true
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request, path string) {
	if path == "/health" && r.Method == http.MethodGet {
		s.health(w)
		return
	}
	if s.user(r) != "admin" {
		harborError(w, http.StatusUnauthorized, "UNAUTHORIZED", "unauthorized")
		return
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case path == "/users/current" && r.Method == http.MethodGet:
		writeJSON(w, 200, map[string]any{"user_id": 1, "username": "admin", "sysadmin_flag": true})
	case parts[0] == "ldap":
		s.serveLDAP(w, r, path)
	case parts[0] == "projects":
		s.serveProjects(w, r, parts[1:])
	case parts[0] == "quotas":
		s.serveQuotas(w, r, parts[1:])
	case parts[0] == "robots":
		s.serveRobots(w, r, parts[1:])
	case parts[0] == "registries":
		s.serveRegistries(w, r, parts[1:])
	case parts[0] == "replication":
		s.serveReplication(w, r, parts[1:])
	default:
		harborError(w, http.StatusNotFound, "NOT_FOUND", "the stand-in does not serve "+r.Method+" "+path)
	}
}

func (s *Server) health(w http.ResponseWriter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	status := "healthy"
	var comps []map[string]string
	for _, c := range []string{"core", "database", "jobservice", "portal", "redis", "registry", "registryctl"} {
		m := map[string]string{"name": c, "status": "healthy"}
		if e, bad := s.opts.Unhealthy[c]; bad {
			m["status"], m["error"] = "unhealthy", e
			status = "unhealthy"
		}
		comps = append(comps, m)
	}
	writeJSON(w, 200, map[string]any{"status": status, "components": comps})
}

// serveRegistry fronts the real registry: basic auth as admin or a robot,
// pushes only into existing projects, and it remembers repositories.
func (s *Server) serveRegistry(w http.ResponseWriter, r *http.Request) {
	if s.user(r) == "" {
		// Harbor's challenge: a bearer token from the realm at externalURL.
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="%s/service/token",service="harbor-registry"`, strings.TrimRight(s.opts.ExternalURL, "/")))
		harborError(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
		return
	}
	rest := strings.TrimPrefix(r.URL.Path, "/v2/")
	if i := strings.Index(rest, "/manifests/"); i > 0 {
		repo := rest[:i]
		proj, _, _ := strings.Cut(repo, "/")
		s.mu.Lock()
		p := s.projects[proj]
		s.mu.Unlock()
		if p == nil {
			harborError(w, http.StatusNotFound, "NAME_UNKNOWN", "project "+proj+" not found")
			return
		}
		if r.Method == http.MethodPut {
			sw := &statusWriter{ResponseWriter: w, status: 200}
			s.registry.ServeHTTP(sw, r)
			if sw.status == http.StatusCreated {
				s.mu.Lock()
				if p.Repos[repo] == nil {
					p.Repos[repo] = map[string]bool{}
				}
				p.Repos[repo][w.Header().Get("Docker-Content-Digest")] = true
				s.mu.Unlock()
			}
			return
		}
	}
	s.registry.ServeHTTP(w, r)
}

// TokensIssued counts the bearer tokens the token service gave out.
func (s *Server) TokensIssued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.tokens)
}

// serveToken is Harbor's token service: basic auth in, a bearer token out.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := r.BasicAuth(); !ok {
		harborError(w, http.StatusUnauthorized, "UNAUTHORIZED", "the stand-in issues tokens to users only")
		return
	}
	u := s.user(r)
	if u == "" {
		harborError(w, http.StatusUnauthorized, "UNAUTHORIZED", "invalid credentials")
		return
	}
	s.mu.Lock()
	tok := fmt.Sprintf("tok-%d-%s", s.id(), randToken())
	s.tokens[tok] = u
	s.mu.Unlock()
	writeJSON(w, 200, map[string]any{"token": tok, "access_token": tok, "expires_in": 1800, "issued_at": time.Now().UTC().Format(time.RFC3339)})
}

// deleteManifest removes a manifest from the registry in-process.
func (s *Server) deleteManifest(repo, digest string) {
	req := httptest.NewRequestWithContext(context.Background(), http.MethodDelete, "/v2/"+repo+"/manifests/"+digest, nil)
	s.registry.ServeHTTP(httptest.NewRecorder(), req)
}
