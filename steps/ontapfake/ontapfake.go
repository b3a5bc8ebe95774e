// Package ontapfake is a stand-in for the slice of NetApp's ONTAP REST API
// the installer's checks use, served over TLS on loopback: GET /api/cluster
// and GET /api/svm/svms. Its shapes follow NetApp's published API reference
// (records and num_records for collections; version.full, generation,
// major, minor; errors as {"error": {"message", "code"}}); it is no full
// emulation.
package ontapfake

import (
	"crypto/x509"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"sync"
)

// SVM is one storage VM.
type SVM struct {
	Name  string
	UUID  string
	State string // running, stopped, ...
}

// Version is ONTAP's version object.
type Version struct {
	Full       string `json:"full"`
	Generation int    `json:"generation"`
	Major      int    `json:"major"`
	Minor      int    `json:"minor"`
}

// Server is a running stand-in. Change its fields before requests are made,
// or under Lock.
type Server struct {
	*httptest.Server
	sync.Mutex

	User, Password string
	ClusterName    string
	ClusterUUID    string
	Version        Version
	SVMs           []SVM
	// SVMScoped makes /api/cluster answer 403, as for an SVM administrator
	// such as vsadmin on an SVM management LIF.
	SVMScoped bool
	// Requests records "METHOD path?query" of every request.
	Requests []string
}

// New starts a stand-in that accepts user and password with basic auth and
// knows svms (svm0 when none are given).
func New(user, password string, svms ...SVM) *Server {
	if len(svms) == 0 {
		svms = []SVM{{Name: "svm0", UUID: "5f1a6f9c-1d2e-11ef-9c6b-005056bb0001", State: "running"}}
	}
	for i := range svms {
		if svms[i].State == "" {
			svms[i].State = "running"
		}
	}
	s := &Server{
		User: user, Password: password,
		ClusterName: "cluster1",
		ClusterUUID: "8f4d6b52-1d2e-11ef-9c6b-005056bb0000",
		Version:     Version{Full: "NetApp Release 9.15.1: Wed May 22 11:22:16 UTC 2024", Generation: 9, Major: 15, Minor: 1},
		SVMs:        svms,
	}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	// Clients that refuse the self-signed certificate are part of the tests.
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.StartTLS()
	return s
}

// LIF is the management LIF to give the installer: host:port.
func (s *Server) LIF() string { return strings.TrimPrefix(s.URL, "https://") }

// Pool trusts the stand-in's certificate.
func (s *Server) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(s.Certificate())
	return p
}

type apiError struct {
	Error struct {
		Message string `json:"message"`
		Code    string `json:"code"`
		Target  string `json:"target,omitempty"`
	} `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/hal+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	var e apiError
	e.Error.Message, e.Error.Code = msg, code
	writeJSON(w, status, e)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.Lock()
	defer s.Unlock()
	s.Requests = append(s.Requests, r.Method+" "+r.URL.RequestURI())
	u, p, ok := r.BasicAuth()
	if !ok || u != s.User || p != s.Password {
		w.Header().Set("WWW-Authenticate", `Basic realm="ONTAP"`)
		writeError(w, http.StatusUnauthorized, "6", "not authorized for that command")
		return
	}
	if r.Method != http.MethodGet {
		writeError(w, http.StatusMethodNotAllowed, "2", "method not allowed")
		return
	}
	switch r.URL.Path {
	case "/api/cluster":
		if s.SVMScoped {
			writeError(w, http.StatusForbidden, "6", "not authorized for that command")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"name": s.ClusterName, "uuid": s.ClusterUUID, "version": s.Version,
			"_links": map[string]any{"self": map[string]string{"href": "/api/cluster"}},
		})
	case "/api/svm/svms":
		q := r.URL.Query().Get("name")
		records := []map[string]any{}
		for _, v := range s.SVMs {
			if q != "" {
				if m, _ := path.Match(q, v.Name); !m {
					continue
				}
			}
			records = append(records, map[string]any{
				"uuid": v.UUID, "name": v.Name, "state": v.State,
				"_links": map[string]any{"self": map[string]string{"href": "/api/svm/svms/" + v.UUID}},
			})
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"records": records, "num_records": len(records),
			"_links": map[string]any{"self": map[string]string{"href": r.URL.RequestURI()}},
		})
	default:
		writeError(w, http.StatusNotFound, "4", "API not found")
	}
}
