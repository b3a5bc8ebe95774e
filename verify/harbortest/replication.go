package harbortest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/robfig/cron/v3"
)

type registryEndpoint struct {
	ID        int64
	Name      string
	URL       string
	Type      string
	Insecure  bool
	AccessKey string
	Secret    string
}

type policy struct {
	ID           int64
	Name         string
	SrcRegistry  int64
	DestNS       string
	ReplaceCount int
	Trigger      string
	Cron         string
	Filters      []filter
	Enabled      bool
	Override     bool
}

type filter struct {
	Type       string `json:"type"`
	Value      any    `json:"value"`
	Decoration string `json:"decoration,omitempty"`
}

type execution struct {
	ID                                 int64
	PolicyID                           int64
	Status, Text                       string
	Total, Succeed, Failed, InProgress int
}

func (e *execution) json() map[string]any {
	return map[string]any{"id": e.ID, "policy_id": e.PolicyID, "status": e.Status, "trigger": "manual", "status_text": e.Text,
		"total": e.Total, "succeed": e.Succeed, "failed": e.Failed, "in_progress": e.InProgress, "stopped": 0}
}

// Registry describes a registry endpoint for assertions (no secret).
type Registry struct {
	Name, URL, Type, AccessKey string
	Insecure                   bool
}

// Policy describes a replication policy for assertions.
type Policy struct {
	Name, DestNamespace, Trigger, Cron, SrcRegistry string
	ReplaceCount                                    int
	NameFilter, TagFilter                           string
	Enabled                                         bool
}

// Registries lists the registry endpoints.
func (s *Server) Registries() []Registry {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Registry
	for _, r := range s.registries {
		out = append(out, Registry{Name: r.Name, URL: r.URL, Type: r.Type, AccessKey: r.AccessKey, Insecure: r.Insecure})
	}
	return out
}

// Policies lists the replication policies.
func (s *Server) Policies() []Policy {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Policy
	for _, p := range s.policies {
		q := Policy{Name: p.Name, DestNamespace: p.DestNS, Trigger: p.Trigger, Cron: p.Cron, ReplaceCount: p.ReplaceCount, Enabled: p.Enabled}
		if r := s.registries[p.SrcRegistry]; r != nil {
			q.SrcRegistry = r.Name
		}
		for _, f := range p.Filters {
			v, _ := f.Value.(string)
			switch f.Type {
			case "name":
				q.NameFilter = v
			case "tag":
				q.TagFilter = v
			}
		}
		out = append(out, q)
	}
	return out
}

func (s *Server) serveRegistries(w http.ResponseWriter, r *http.Request, parts []string) {
	switch {
	case len(parts) == 0 && r.Method == http.MethodGet:
		want := strings.TrimPrefix(r.URL.Query().Get("q"), "name=")
		s.mu.Lock()
		defer s.mu.Unlock()
		out := []map[string]any{}
		for _, e := range s.registries {
			if want == "" || strings.Contains(e.Name, strings.Trim(want, "~")) {
				out = append(out, s.registryJSON(e))
			}
		}
		writeJSON(w, 200, out)
	case len(parts) == 0 && r.Method == http.MethodPost:
		var req struct {
			Name       string `json:"name"`
			URL        string `json:"url"`
			Type       string `json:"type"`
			Insecure   bool   `json:"insecure"`
			Credential *struct {
				Type         string `json:"type"`
				AccessKey    string `json:"access_key"`
				AccessSecret string `json:"access_secret"`
			} `json:"credential"`
		}
		if !decode(w, r, "Registry", &req) {
			return
		}
		if req.Type != "docker-registry" && req.Type != "harbor" {
			harborError(w, http.StatusBadRequest, "BAD_REQUEST", "adapter for type "+req.Type+" not found")
			return
		}
		if !strings.HasPrefix(req.URL, "http://") && !strings.HasPrefix(req.URL, "https://") {
			harborError(w, http.StatusBadRequest, "BAD_REQUEST", "invalid URL "+req.URL)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, e := range s.registries {
			if e.Name == req.Name {
				harborError(w, http.StatusConflict, "CONFLICT", "registry "+req.Name+" already exists")
				return
			}
		}
		e := &registryEndpoint{ID: s.id(), Name: req.Name, URL: req.URL, Type: req.Type, Insecure: req.Insecure}
		if c := req.Credential; c != nil {
			if c.Type != "basic" {
				harborError(w, http.StatusBadRequest, "BAD_REQUEST", "credential type "+c.Type+" is not basic")
				return
			}
			e.AccessKey, e.Secret = c.AccessKey, c.AccessSecret
		}
		s.registries[e.ID] = e
		created(w, "/registries", e.ID)
	case len(parts) == 1 && r.Method == http.MethodPut:
		var req struct {
			Name, URL, AccessKey, AccessSecret *string
			Insecure                           *bool
		}
		var raw map[string]json.RawMessage
		b := body(r)
		if err := validate("RegistryUpdate", b, &raw); err != nil {
			harborError(w, http.StatusBadRequest, "BAD_REQUEST", err.Error())
			return
		}
		get := func(k string, out any) {
			if v, ok := raw[k]; ok {
				_ = json.Unmarshal(v, out)
			}
		}
		get("name", &req.Name)
		get("url", &req.URL)
		get("access_key", &req.AccessKey)
		get("access_secret", &req.AccessSecret)
		get("insecure", &req.Insecure)
		s.mu.Lock()
		defer s.mu.Unlock()
		id, _ := strconv.ParseInt(parts[0], 10, 64)
		e := s.registries[id]
		if e == nil {
			harborError(w, http.StatusNotFound, "NOT_FOUND", "registry not found")
			return
		}
		if req.Name != nil {
			e.Name = *req.Name
		}
		if req.URL != nil {
			e.URL = *req.URL
		}
		if req.AccessKey != nil {
			e.AccessKey = *req.AccessKey
		}
		if req.AccessSecret != nil {
			e.Secret = *req.AccessSecret
		}
		if req.Insecure != nil {
			e.Insecure = *req.Insecure
		}
		w.WriteHeader(200)
	default:
		harborError(w, http.StatusNotFound, "NOT_FOUND", "no such endpoint")
	}
}

// registryJSON never includes the secret: Harbor masks it.
func (s *Server) registryJSON(e *registryEndpoint) map[string]any {
	m := map[string]any{"id": e.ID, "name": e.Name, "url": e.URL, "type": e.Type, "insecure": e.Insecure, "status": "healthy",
		"credential": map[string]string{"type": "basic", "access_key": e.AccessKey, "access_secret": "*****"}}
	if e.AccessKey == "" {
		m["credential"] = map[string]string{"type": "basic"}
	}
	return m
}

type policyReq struct {
	Name        string `json:"name"`
	SrcRegistry *struct {
		ID int64 `json:"id"`
	} `json:"src_registry"`
	DestRegistry *struct {
		ID int64 `json:"id"`
	} `json:"dest_registry"`
	DestNamespace string `json:"dest_namespace"`
	ReplaceCount  *int   `json:"dest_namespace_replace_count"`
	Trigger       *struct {
		Type     string `json:"type"`
		Settings *struct {
			Cron string `json:"cron"`
		} `json:"trigger_settings"`
	} `json:"trigger"`
	Filters  []filter `json:"filters"`
	Enabled  bool     `json:"enabled"`
	Override bool     `json:"override"`
}

// toPolicy checks a policy as Harbor does and fills p.
func (s *Server) toPolicy(req policyReq, p *policy) error {
	if req.SrcRegistry == nil || req.SrcRegistry.ID == 0 {
		return fmt.Errorf("src_registry: a pull-based policy needs the source registry")
	}
	if req.DestRegistry != nil && req.DestRegistry.ID != 0 {
		return fmt.Errorf("dest_registry: a pull-based policy replicates into this Harbor; leave it empty")
	}
	if s.registries[req.SrcRegistry.ID] == nil {
		return fmt.Errorf("src_registry: registry %d not found", req.SrcRegistry.ID)
	}
	p.Name, p.SrcRegistry, p.DestNS, p.Enabled, p.Override = req.Name, req.SrcRegistry.ID, req.DestNamespace, req.Enabled, req.Override
	p.ReplaceCount = -1
	if req.ReplaceCount != nil {
		p.ReplaceCount = *req.ReplaceCount
	}
	p.Trigger, p.Cron = "manual", ""
	if t := req.Trigger; t != nil {
		p.Trigger = t.Type
		switch t.Type {
		case "manual", "event_based":
		case "scheduled":
			if t.Settings == nil || t.Settings.Cron == "" {
				return fmt.Errorf("trigger.trigger_settings.cron: a scheduled trigger needs a cron")
			}
			// Harbor's scheduler takes six fields, seconds first.
			if n := len(strings.Fields(t.Settings.Cron)); n != 6 {
				return fmt.Errorf("trigger.trigger_settings.cron %q: invalid cron, want 6 fields, got %d", t.Settings.Cron, n)
			}
			if _, err := cron.NewParser(cron.Second | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow).Parse(t.Settings.Cron); err != nil {
				return fmt.Errorf("trigger.trigger_settings.cron %q: %v", t.Settings.Cron, err)
			}
			p.Cron = t.Settings.Cron
		default:
			return fmt.Errorf("trigger.type %q: want manual, event_based or scheduled", t.Type)
		}
	}
	for _, f := range req.Filters {
		if f.Type != "name" && f.Type != "tag" && f.Type != "resource" && f.Type != "label" {
			return fmt.Errorf("filters: unknown type %q", f.Type)
		}
		if _, ok := f.Value.(string); !ok && f.Type != "label" {
			return fmt.Errorf("filters: the %s filter's value must be a string", f.Type)
		}
	}
	p.Filters = req.Filters
	return nil
}

func (s *Server) policyJSON(p *policy) map[string]any {
	m := map[string]any{"id": p.ID, "name": p.Name, "dest_namespace": p.DestNS, "dest_namespace_replace_count": p.ReplaceCount,
		"src_registry": s.registryJSON(s.registries[p.SrcRegistry]), "dest_registry": map[string]any{"id": 0, "name": "Local", "type": "harbor"},
		"trigger": map[string]any{"type": p.Trigger, "trigger_settings": map[string]string{"cron": p.Cron}},
		"filters": p.Filters, "enabled": p.Enabled, "override": p.Override, "replicate_deletion": false}
	if p.Filters == nil {
		m["filters"] = []filter{}
	}
	return m
}

func (s *Server) serveReplication(w http.ResponseWriter, r *http.Request, parts []string) {
	if len(parts) == 0 {
		harborError(w, http.StatusNotFound, "NOT_FOUND", "no such endpoint")
		return
	}
	switch {
	case parts[0] == "policies" && len(parts) == 1 && r.Method == http.MethodGet:
		want := strings.TrimPrefix(r.URL.Query().Get("q"), "name=")
		s.mu.Lock()
		defer s.mu.Unlock()
		out := []map[string]any{}
		for _, p := range s.policies {
			if want == "" || strings.Contains(p.Name, strings.Trim(want, "~")) {
				out = append(out, s.policyJSON(p))
			}
		}
		writeJSON(w, 200, out)
	case parts[0] == "policies" && (len(parts) == 1 && r.Method == http.MethodPost || len(parts) == 2 && r.Method == http.MethodPut):
		var req policyReq
		if !decode(w, r, "ReplicationPolicy", &req) {
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if len(parts) == 2 {
			id, _ := strconv.ParseInt(parts[1], 10, 64)
			p := s.policies[id]
			if p == nil {
				harborError(w, http.StatusNotFound, "NOT_FOUND", "policy not found")
				return
			}
			np := *p
			if err := s.toPolicy(req, &np); err != nil {
				harborError(w, http.StatusBadRequest, "BAD_REQUEST", err.Error())
				return
			}
			*p = np
			w.WriteHeader(200)
			return
		}
		for _, p := range s.policies {
			if p.Name == req.Name {
				harborError(w, http.StatusConflict, "CONFLICT", "policy "+req.Name+" already exists")
				return
			}
		}
		p := &policy{}
		if err := s.toPolicy(req, p); err != nil {
			harborError(w, http.StatusBadRequest, "BAD_REQUEST", err.Error())
			return
		}
		p.ID = s.id()
		s.policies[p.ID] = p
		created(w, "/replication/policies", p.ID)
	case parts[0] == "executions" && len(parts) == 1 && r.Method == http.MethodPost:
		var req struct {
			PolicyID int64 `json:"policy_id"`
		}
		if !decode(w, r, "StartReplicationExecution", &req) {
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		p := s.policies[req.PolicyID]
		if p == nil {
			harborError(w, http.StatusNotFound, "NOT_FOUND", "policy not found")
			return
		}
		if !p.Enabled {
			harborError(w, http.StatusPreconditionFailed, "PRECONDITION", "the policy is disabled")
			return
		}
		e := &execution{ID: s.id(), PolicyID: p.ID, Status: "InProgress"}
		s.executions[e.ID] = e
		pc, src := *p, *s.registries[p.SrcRegistry]
		go s.replicate(e, pc, src)
		created(w, "/replication/executions", e.ID)
	case parts[0] == "executions" && len(parts) == 1 && r.Method == http.MethodGet:
		pid, _ := strconv.ParseInt(r.URL.Query().Get("policy_id"), 10, 64)
		s.mu.Lock()
		defer s.mu.Unlock()
		out := []map[string]any{}
		for _, e := range s.executions {
			if pid == 0 || e.PolicyID == pid {
				out = append(out, e.json())
			}
		}
		writeJSON(w, 200, out)
	case parts[0] == "executions" && len(parts) == 2 && r.Method == http.MethodGet:
		id, _ := strconv.ParseInt(parts[1], 10, 64)
		s.mu.Lock()
		defer s.mu.Unlock()
		e := s.executions[id]
		if e == nil {
			harborError(w, http.StatusNotFound, "NOT_FOUND", "execution not found")
			return
		}
		writeJSON(w, 200, e.json())
	default:
		harborError(w, http.StatusNotFound, "NOT_FOUND", "no such endpoint")
	}
}
