package harbortest

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

type project struct {
	ID      int64
	Name    string
	Public  bool
	Quota   int64 // bytes, -1 unlimited
	QuotaID int64
	Members map[int64]*member
	// Repos maps "project/repo" to its manifest digests.
	Repos map[string]map[string]bool
}

type member struct {
	ID      int64
	GroupID int64
	Name    string
	RoleID  int
}

type robot struct {
	ID        int64
	Name      string // as created
	FullName  string // robot$project+name
	Secret    string
	ProjectID int64
	Perms     []any
}

var projectName = regexp.MustCompile(`^[a-z0-9]+(?:[._-][a-z0-9]+)*$`)

var roleNames = map[int]string{1: "projectAdmin", 2: "developer", 3: "guest", 4: "maintainer", 5: "limitedGuest"}

// Project describes a project for assertions.
type Project struct {
	Name    string
	Public  bool
	Quota   int64
	Members map[string]int // LDAP group DN -> role id
	Repos   []string
	Robots  []string
}

// Project returns a copy of the named project, or nil.
func (s *Server) Project(name string) *Project {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.projects[name]
	if p == nil {
		return nil
	}
	out := &Project{Name: p.Name, Public: p.Public, Quota: p.Quota, Members: map[string]int{}}
	for dn, gid := range s.groups {
		for _, m := range p.Members {
			if m.GroupID == gid {
				out.Members[dn] = m.RoleID
			}
		}
	}
	for r, ds := range p.Repos {
		if len(ds) > 0 {
			out.Repos = append(out.Repos, r)
		}
	}
	sort.Strings(out.Repos)
	for _, rb := range s.robots {
		if rb.ProjectID == p.ID {
			out.Robots = append(out.Robots, rb.FullName)
		}
	}
	return out
}

func (s *Server) projectJSON(p *project) map[string]any {
	n := 0
	for _, ds := range p.Repos {
		if len(ds) > 0 {
			n++
		}
	}
	return map[string]any{"project_id": p.ID, "name": p.Name, "repo_count": n, "owner_name": "admin",
		"metadata": map[string]string{"public": strconv.FormatBool(p.Public)}}
}

type projectReq struct {
	ProjectName  string            `json:"project_name"`
	Public       *bool             `json:"public"`
	Metadata     map[string]string `json:"metadata"`
	StorageLimit *int64            `json:"storage_limit"`
}

func (s *Server) serveProjects(w http.ResponseWriter, r *http.Request, parts []string) {
	if len(parts) == 0 {
		if r.Method != http.MethodPost {
			harborError(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", r.Method)
			return
		}
		var req projectReq
		if !decode(w, r, "ProjectReq", &req) {
			return
		}
		if !projectName.MatchString(req.ProjectName) {
			harborError(w, http.StatusBadRequest, "BAD_REQUEST", "project name is not in lower case or contains illegal characters")
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.projects[req.ProjectName] != nil {
			harborError(w, http.StatusConflict, "CONFLICT", "The project named "+req.ProjectName+" already exists")
			return
		}
		p := &project{ID: s.id(), Name: req.ProjectName, Quota: -1, Members: map[int64]*member{}, Repos: map[string]map[string]bool{}}
		p.QuotaID = s.id()
		if req.Metadata["public"] != "" {
			p.Public = req.Metadata["public"] == "true"
		}
		if req.StorageLimit != nil {
			p.Quota = *req.StorageLimit
		}
		s.projects[p.Name] = p
		created(w, "/projects", p.ID)
		return
	}
	name := parts[0]
	s.mu.Lock()
	p := s.projects[name]
	if p == nil {
		if id, err := strconv.ParseInt(name, 10, 64); err == nil {
			for _, q := range s.projects {
				if q.ID == id {
					p = q
				}
			}
		}
	}
	s.mu.Unlock()
	if p == nil {
		harborError(w, http.StatusNotFound, "NOT_FOUND", "project "+name+" not found")
		return
	}
	switch {
	case len(parts) == 1:
		s.serveProject(w, r, p)
	case parts[1] == "members":
		s.serveMembers(w, r, p, parts[2:])
	case parts[1] == "repositories":
		s.serveRepositories(w, r, p, parts[2:])
	default:
		harborError(w, http.StatusNotFound, "NOT_FOUND", "no such endpoint")
	}
}

func (s *Server) serveProject(w http.ResponseWriter, r *http.Request, p *project) {
	switch r.Method {
	case http.MethodGet:
		s.mu.Lock()
		defer s.mu.Unlock()
		writeJSON(w, 200, s.projectJSON(p))
	case http.MethodPut:
		var req projectReq
		if !decode(w, r, "ProjectReqUpdate", &req) {
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if v, ok := req.Metadata["public"]; ok {
			p.Public = v == "true"
		}
		w.WriteHeader(200)
	case http.MethodDelete:
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, ds := range p.Repos {
			if len(ds) > 0 {
				harborError(w, http.StatusPreconditionFailed, "PRECONDITION", "the project contains repositories, can not be deleted")
				return
			}
		}
		delete(s.projects, p.Name)
		for id, rb := range s.robots {
			if rb.ProjectID == p.ID {
				delete(s.robots, id)
			}
		}
		w.WriteHeader(200)
	default:
		harborError(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", r.Method)
	}
}

func (s *Server) serveQuotas(w http.ResponseWriter, r *http.Request, parts []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	quota := func(p *project) map[string]any {
		return map[string]any{"id": p.QuotaID, "ref": map[string]any{"id": p.ID, "name": p.Name, "owner_name": "admin"},
			"hard": map[string]int64{"storage": p.Quota}, "used": map[string]int64{"storage": 0}}
	}
	if len(parts) == 0 && r.Method == http.MethodGet {
		out := []map[string]any{}
		ref := r.URL.Query().Get("reference_id")
		for _, p := range s.projects {
			if r.URL.Query().Get("reference") == "project" && strconv.FormatInt(p.ID, 10) == ref {
				out = append(out, quota(p))
			}
		}
		writeJSON(w, 200, out)
		return
	}
	if len(parts) == 1 && r.Method == http.MethodPut {
		s.mu.Unlock()
		var req struct {
			Hard map[string]int64 `json:"hard"`
		}
		ok := decode(w, r, "QuotaUpdateReq", &req)
		s.mu.Lock()
		if !ok {
			return
		}
		for _, p := range s.projects {
			if strconv.FormatInt(p.QuotaID, 10) == parts[0] {
				st, has := req.Hard["storage"]
				if !has || (st < -1 || st == 0) {
					harborError(w, http.StatusBadRequest, "BAD_REQUEST", "hard.storage must be -1 or positive")
					return
				}
				p.Quota = st
				w.WriteHeader(200)
				return
			}
		}
		harborError(w, http.StatusNotFound, "NOT_FOUND", "quota "+parts[0]+" not found")
		return
	}
	harborError(w, http.StatusNotFound, "NOT_FOUND", "no such endpoint")
}

func (s *Server) serveMembers(w http.ResponseWriter, r *http.Request, p *project, parts []string) {
	switch {
	case len(parts) == 0 && r.Method == http.MethodGet:
		s.mu.Lock()
		defer s.mu.Unlock()
		out := []map[string]any{{"id": 1, "project_id": p.ID, "entity_name": "admin", "role_name": "projectAdmin", "role_id": 1, "entity_id": 1, "entity_type": "u"}}
		ids := make([]int64, 0, len(p.Members))
		for id := range p.Members {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		for _, id := range ids {
			m := p.Members[id]
			out = append(out, map[string]any{"id": m.ID, "project_id": p.ID, "entity_name": m.Name, "role_name": roleNames[m.RoleID], "role_id": m.RoleID, "entity_id": m.GroupID, "entity_type": "g"})
		}
		writeJSON(w, 200, out)
	case len(parts) == 0 && r.Method == http.MethodPost:
		var req struct {
			RoleID      int `json:"role_id"`
			MemberGroup *struct {
				ID          int64  `json:"id"`
				GroupType   int    `json:"group_type"`
				LdapGroupDN string `json:"ldap_group_dn"`
			} `json:"member_group"`
		}
		if !decode(w, r, "ProjectMember", &req) {
			return
		}
		if roleNames[req.RoleID] == "" {
			harborError(w, http.StatusBadRequest, "BAD_REQUEST", fmt.Sprintf("role_id %d is not a role", req.RoleID))
			return
		}
		g := req.MemberGroup
		if g == nil || g.GroupType != 1 || g.LdapGroupDN == "" {
			harborError(w, http.StatusBadRequest, "BAD_REQUEST", "the stand-in takes LDAP group members only: member_group with group_type 1 and ldap_group_dn")
			return
		}
		// Harbor looks the DN up in LDAP before it adds the group.
		name, err := s.ldapGroupName(r.Context(), g.LdapGroupDN)
		if err != nil {
			harborError(w, http.StatusBadRequest, "BAD_REQUEST", err.Error())
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		gid, ok := s.groups[g.LdapGroupDN]
		if !ok {
			gid = s.id()
			s.groups[g.LdapGroupDN] = gid
		}
		for _, m := range p.Members {
			if m.GroupID == gid {
				harborError(w, http.StatusConflict, "CONFLICT", "the user group is already a member of the project")
				return
			}
		}
		m := &member{ID: s.id(), GroupID: gid, Name: name, RoleID: req.RoleID}
		p.Members[m.ID] = m
		created(w, "/projects/"+p.Name+"/members", m.ID)
	case len(parts) == 1 && r.Method == http.MethodPut:
		var req struct {
			RoleID int `json:"role_id"`
		}
		if !decode(w, r, "RoleRequest", &req) {
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		id, _ := strconv.ParseInt(parts[0], 10, 64)
		m := p.Members[id]
		if m == nil || roleNames[req.RoleID] == "" {
			harborError(w, http.StatusBadRequest, "BAD_REQUEST", "no such member or role")
			return
		}
		m.RoleID = req.RoleID
		w.WriteHeader(200)
	default:
		harborError(w, http.StatusNotFound, "NOT_FOUND", "no such endpoint")
	}
}

// serveRepositories deletes repositories and artifacts.
func (s *Server) serveRepositories(w http.ResponseWriter, r *http.Request, p *project, parts []string) {
	if r.Method != http.MethodDelete || len(parts) == 0 {
		harborError(w, http.StatusNotFound, "NOT_FOUND", "no such endpoint")
		return
	}
	// Harbor wants a repository name with slashes escaped twice; the
	// router has undone one escaping.
	repoName, err := url.PathUnescape(parts[0])
	if err != nil {
		harborError(w, http.StatusBadRequest, "BAD_REQUEST", err.Error())
		return
	}
	repo := p.Name + "/" + repoName
	s.mu.Lock()
	digests := p.Repos[repo]
	s.mu.Unlock()
	if len(digests) == 0 {
		harborError(w, http.StatusNotFound, "NOT_FOUND", "repository "+repo+" not found")
		return
	}
	var drop []string
	switch {
	case len(parts) == 1:
		for d := range digests {
			drop = append(drop, d)
		}
	case len(parts) == 3 && parts[1] == "artifacts" && strings.HasPrefix(parts[2], "sha256:"):
		if !digests[parts[2]] {
			harborError(w, http.StatusNotFound, "NOT_FOUND", "artifact "+parts[2]+" not found")
			return
		}
		drop = []string{parts[2]}
	default:
		harborError(w, http.StatusNotFound, "NOT_FOUND", "no such endpoint (artifacts by digest only)")
		return
	}
	for _, d := range drop {
		s.deleteManifest(repo, d)
		s.mu.Lock()
		delete(digests, d)
		s.mu.Unlock()
	}
	w.WriteHeader(200)
}

func (s *Server) serveRobots(w http.ResponseWriter, r *http.Request, parts []string) {
	switch {
	case len(parts) == 0 && r.Method == http.MethodGet:
		// q=Level=project,ProjectID=N
		var pid int64 = -1
		for _, kv := range strings.Split(r.URL.Query().Get("q"), ",") {
			if v, ok := strings.CutPrefix(kv, "ProjectID="); ok {
				pid, _ = strconv.ParseInt(v, 10, 64)
			}
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		out := []map[string]any{}
		for _, rb := range s.robots {
			if pid == -1 || rb.ProjectID == pid {
				out = append(out, map[string]any{"id": rb.ID, "name": rb.FullName, "level": "project", "disable": false, "editable": true, "duration": -1, "permissions": rb.Perms})
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i]["id"].(int64) < out[j]["id"].(int64) })
		writeJSON(w, 200, out)
	case len(parts) == 0 && r.Method == http.MethodPost:
		var req struct {
			Name        string `json:"name"`
			Level       string `json:"level"`
			Duration    int64  `json:"duration"`
			Permissions []struct {
				Kind      string `json:"kind"`
				Namespace string `json:"namespace"`
				Access    []any  `json:"access"`
			} `json:"permissions"`
		}
		if !decode(w, r, "RobotCreate", &req) {
			return
		}
		if req.Level != "project" || len(req.Permissions) != 1 || req.Permissions[0].Kind != "project" {
			harborError(w, http.StatusBadRequest, "BAD_REQUEST", "a project robot needs level project and one permission of kind project")
			return
		}
		if req.Duration == 0 || req.Duration < -1 {
			harborError(w, http.StatusBadRequest, "BAD_REQUEST", "duration must be -1 or positive")
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		p := s.projects[req.Permissions[0].Namespace]
		if p == nil {
			harborError(w, http.StatusBadRequest, "BAD_REQUEST", "project "+req.Permissions[0].Namespace+" not found")
			return
		}
		full := s.opts.RobotPrefix + p.Name + "+" + req.Name
		for _, rb := range s.robots {
			if rb.FullName == full {
				harborError(w, http.StatusConflict, "CONFLICT", "robot account "+full+" already exists")
				return
			}
		}
		rb := &robot{ID: s.id(), Name: req.Name, FullName: full, Secret: fmt.Sprintf("Rb%016xSecret", s.nextID*7919), ProjectID: p.ID}
		for _, pm := range req.Permissions {
			rb.Perms = append(rb.Perms, map[string]any{"kind": pm.Kind, "namespace": pm.Namespace, "access": pm.Access})
		}
		s.robots[rb.ID] = rb
		w.Header().Set("Location", fmt.Sprintf("/api/v2.0/robots/%d", rb.ID))
		writeJSON(w, http.StatusCreated, map[string]any{"id": rb.ID, "name": rb.FullName, "secret": rb.Secret, "creation_time": "2026-01-01T00:00:00Z", "expires_at": -1})
	default:
		harborError(w, http.StatusNotFound, "NOT_FOUND", "no such endpoint")
	}
}

// RobotSecret returns the secret of a robot by its full name, for tests
// that log in with it.
func (s *Server) RobotSecret(fullName string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rb := range s.robots {
		if rb.FullName == fullName {
			return rb.Secret
		}
	}
	return ""
}
