package harborapi

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// Health is GET /health.
func (c *Client) Health(ctx context.Context) (*OverallHealthStatus, error) {
	var h OverallHealthStatus
	_, err := c.do(ctx, http.MethodGet, "/health", nil, nil, &h)
	return &h, err
}

// CurrentUser is GET /users/current: it proves the credentials log in.
func (c *Client) CurrentUser(ctx context.Context) (*UserResp, error) {
	var u UserResp
	_, err := c.do(ctx, http.MethodGet, "/users/current", nil, nil, &u)
	return &u, err
}

// LDAPPing is POST /ldap/ping with no body: Harbor tests its stored
// settings.
func (c *Client) LDAPPing(ctx context.Context) (*LdapPingResult, error) {
	var r LdapPingResult
	_, err := c.do(ctx, http.MethodPost, "/ldap/ping", nil, struct{}{}, &r)
	return &r, err
}

// LDAPSearchUsers is GET /ldap/users/search?username=.
func (c *Client) LDAPSearchUsers(ctx context.Context, username string) ([]LdapUser, error) {
	var us []LdapUser
	_, err := c.do(ctx, http.MethodGet, "/ldap/users/search", url.Values{"username": {username}}, nil, &us)
	return us, err
}

// LDAPSearchGroupByDN is GET /ldap/groups/search?groupdn=.
func (c *Client) LDAPSearchGroupByDN(ctx context.Context, dn string) ([]UserGroup, error) {
	var gs []UserGroup
	_, err := c.do(ctx, http.MethodGet, "/ldap/groups/search", url.Values{"groupdn": {dn}}, nil, &gs)
	return gs, err
}

// Project is GET /projects/{name}; it returns nil, nil when there is none.
func (c *Client) Project(ctx context.Context, name string) (*Project, error) {
	var p Project
	_, err := c.do(ctx, http.MethodGet, "/projects/"+url.PathEscape(name), nil, nil, &p)
	if IsStatus(err, http.StatusNotFound, http.StatusForbidden) {
		// Harbor answers 403 for a private project the user cannot see;
		// the admin sees every project, so both mean absent here.
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// CreateProject is POST /projects; it returns the new project's id.
func (c *Client) CreateProject(ctx context.Context, req ProjectReq) (int64, error) {
	h, err := c.do(ctx, http.MethodPost, "/projects", nil, req, nil)
	if err != nil {
		return 0, err
	}
	return idFromLocation(h)
}

// UpdateProject is PUT /projects/{name}.
func (c *Client) UpdateProject(ctx context.Context, name string, req ProjectReq) error {
	_, err := c.do(ctx, http.MethodPut, "/projects/"+url.PathEscape(name), nil, req, nil)
	return err
}

// DeleteProject is DELETE /projects/{name}.
func (c *Client) DeleteProject(ctx context.Context, name string) error {
	_, err := c.do(ctx, http.MethodDelete, "/projects/"+url.PathEscape(name), nil, nil, nil)
	return err
}

// DeleteRepository is DELETE /projects/{p}/repositories/{r}; r inside the
// project is escaped twice as Harbor wants for names with slashes.
func (c *Client) DeleteRepository(ctx context.Context, project, repo string) error {
	_, err := c.do(ctx, http.MethodDelete, "/projects/"+url.PathEscape(project)+"/repositories/"+url.PathEscape(url.PathEscape(repo)), nil, nil, nil)
	return err
}

// DeleteArtifact is DELETE /projects/{p}/repositories/{r}/artifacts/{ref}.
func (c *Client) DeleteArtifact(ctx context.Context, project, repo, ref string) error {
	_, err := c.do(ctx, http.MethodDelete, "/projects/"+url.PathEscape(project)+"/repositories/"+url.PathEscape(url.PathEscape(repo))+"/artifacts/"+url.PathEscape(ref), nil, nil, nil)
	return err
}

// ProjectQuota is the storage quota of project id (GET /quotas).
func (c *Client) ProjectQuota(ctx context.Context, projectID int64) (*Quota, error) {
	var qs []Quota
	q := url.Values{"reference": {"project"}, "reference_id": {strconv.FormatInt(projectID, 10)}}
	if _, err := c.do(ctx, http.MethodGet, "/quotas", q, nil, &qs); err != nil {
		return nil, err
	}
	if len(qs) == 0 {
		return nil, fmt.Errorf("GET %s/quotas: no quota for project %d", APIPath, projectID)
	}
	return &qs[0], nil
}

// UpdateQuota is PUT /quotas/{id}.
func (c *Client) UpdateQuota(ctx context.Context, id int64, storage int64) error {
	_, err := c.do(ctx, http.MethodPut, "/quotas/"+strconv.FormatInt(id, 10), nil, QuotaUpdateReq{Hard: map[string]int64{"storage": storage}}, nil)
	return err
}

// Members is GET /projects/{p}/members (up to 100, more than any answers file gives).
func (c *Client) Members(ctx context.Context, project string) ([]ProjectMemberEntity, error) {
	var ms []ProjectMemberEntity
	_, err := c.do(ctx, http.MethodGet, "/projects/"+url.PathEscape(project)+"/members", url.Values{"page_size": {"100"}}, nil, &ms)
	return ms, err
}

// AddMember is POST /projects/{p}/members.
func (c *Client) AddMember(ctx context.Context, project string, m ProjectMember) error {
	_, err := c.do(ctx, http.MethodPost, "/projects/"+url.PathEscape(project)+"/members", nil, m, nil)
	return err
}

// UpdateMemberRole is PUT /projects/{p}/members/{mid}.
func (c *Client) UpdateMemberRole(ctx context.Context, project string, mid int64, role int) error {
	_, err := c.do(ctx, http.MethodPut, "/projects/"+url.PathEscape(project)+"/members/"+strconv.FormatInt(mid, 10), nil, RoleRequest{RoleID: role}, nil)
	return err
}

// ProjectRobots lists the project-level robots of project id (GET /robots).
func (c *Client) ProjectRobots(ctx context.Context, projectID int64) ([]Robot, error) {
	var rs []Robot
	q := url.Values{"q": {fmt.Sprintf("Level=project,ProjectID=%d", projectID)}, "page_size": {"100"}}
	_, err := c.do(ctx, http.MethodGet, "/robots", q, nil, &rs)
	return rs, err
}

// CreateRobot is POST /robots. The answer holds the secret, once.
func (c *Client) CreateRobot(ctx context.Context, r RobotCreate) (*RobotCreated, error) {
	var out RobotCreated
	_, err := c.do(ctx, http.MethodPost, "/robots", nil, r, &out)
	return &out, err
}

// RegistryByName finds a registry endpoint by name; nil when there is none.
func (c *Client) RegistryByName(ctx context.Context, name string) (*Registry, error) {
	var rs []Registry
	if _, err := c.do(ctx, http.MethodGet, "/registries", url.Values{"q": {"name=" + name}}, nil, &rs); err != nil {
		return nil, err
	}
	for i := range rs {
		if rs[i].Name == name {
			return &rs[i], nil
		}
	}
	return nil, nil
}

// CreateRegistry is POST /registries; it returns the id.
func (c *Client) CreateRegistry(ctx context.Context, r Registry) (int64, error) {
	h, err := c.do(ctx, http.MethodPost, "/registries", nil, r, nil)
	if err != nil {
		return 0, err
	}
	return idFromLocation(h)
}

// UpdateRegistry is PUT /registries/{id}.
func (c *Client) UpdateRegistry(ctx context.Context, id int64, u RegistryUpdate) error {
	_, err := c.do(ctx, http.MethodPut, "/registries/"+strconv.FormatInt(id, 10), nil, u, nil)
	return err
}

// PolicyByName finds a replication policy by name; nil when there is none.
func (c *Client) PolicyByName(ctx context.Context, name string) (*ReplicationPolicy, error) {
	var ps []ReplicationPolicy
	if _, err := c.do(ctx, http.MethodGet, "/replication/policies", url.Values{"q": {"name=" + name}}, nil, &ps); err != nil {
		return nil, err
	}
	for i := range ps {
		if ps[i].Name == name {
			return &ps[i], nil
		}
	}
	return nil, nil
}

// CreatePolicy is POST /replication/policies; it returns the id.
func (c *Client) CreatePolicy(ctx context.Context, p ReplicationPolicy) (int64, error) {
	h, err := c.do(ctx, http.MethodPost, "/replication/policies", nil, p, nil)
	if err != nil {
		return 0, err
	}
	return idFromLocation(h)
}

// UpdatePolicy is PUT /replication/policies/{id}.
func (c *Client) UpdatePolicy(ctx context.Context, id int64, p ReplicationPolicy) error {
	_, err := c.do(ctx, http.MethodPut, "/replication/policies/"+strconv.FormatInt(id, 10), nil, p, nil)
	return err
}

// StartExecution is POST /replication/executions; it returns the id.
func (c *Client) StartExecution(ctx context.Context, policyID int64) (int64, error) {
	h, err := c.do(ctx, http.MethodPost, "/replication/executions", nil, StartReplicationExecution{PolicyID: policyID}, nil)
	if err != nil {
		return 0, err
	}
	return idFromLocation(h)
}

// Execution is GET /replication/executions/{id}.
func (c *Client) Execution(ctx context.Context, id int64) (*ReplicationExecution, error) {
	var e ReplicationExecution
	_, err := c.do(ctx, http.MethodGet, "/replication/executions/"+strconv.FormatInt(id, 10), nil, nil, &e)
	return &e, err
}

// Executions is GET /replication/executions?policy_id=.
func (c *Client) Executions(ctx context.Context, policyID int64) ([]ReplicationExecution, error) {
	var es []ReplicationExecution
	_, err := c.do(ctx, http.MethodGet, "/replication/executions", url.Values{"policy_id": {strconv.FormatInt(policyID, 10)}}, nil, &es)
	return es, err
}
