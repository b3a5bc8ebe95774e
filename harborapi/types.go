package harborapi

// Request and response shapes from Harbor's v2.0 swagger, with only the
// fields the installer reads or writes. JSON names are the swagger's.

// OverallHealthStatus is GET /health.
type OverallHealthStatus struct {
	Status     string            `json:"status"`
	Components []ComponentHealth `json:"components"`
}

// ComponentHealth is one component's health.
type ComponentHealth struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

// UserResp is GET /users/current.
type UserResp struct {
	UserID       int64  `json:"user_id"`
	Username     string `json:"username"`
	SysadminFlag bool   `json:"sysadmin_flag"`
}

// LdapPingResult is POST /ldap/ping.
type LdapPingResult struct {
	Success bool   `json:"success"`
	Message string `json:"message"`
}

// LdapUser is an item of GET /ldap/users/search.
type LdapUser struct {
	Username string `json:"username"`
	Realname string `json:"realname"`
	Email    string `json:"email"`
}

// UserGroup is an LDAP (group_type 1) or HTTP group.
type UserGroup struct {
	ID          int64  `json:"id,omitempty"`
	GroupName   string `json:"group_name,omitempty"`
	GroupType   int    `json:"group_type,omitempty"`
	LdapGroupDN string `json:"ldap_group_dn,omitempty"`
}

// GroupTypeLDAP is UserGroup.GroupType for an LDAP group.
const GroupTypeLDAP = 1

// ProjectMetadata holds a project's string-typed settings.
type ProjectMetadata struct {
	// Public is "true" or "false".
	Public string `json:"public,omitempty"`
}

// ProjectReq creates or updates a project.
type ProjectReq struct {
	ProjectName string           `json:"project_name,omitempty"`
	Metadata    *ProjectMetadata `json:"metadata,omitempty"`
	// StorageLimit is the quota in bytes; -1 is unlimited. Used on create.
	StorageLimit *int64 `json:"storage_limit,omitempty"`
}

// Project is a project as Harbor returns it.
type Project struct {
	ProjectID int64           `json:"project_id"`
	Name      string          `json:"name"`
	RepoCount int64           `json:"repo_count"`
	Metadata  ProjectMetadata `json:"metadata"`
}

// Quota is one quota (GET /quotas).
type Quota struct {
	ID   int64            `json:"id"`
	Ref  map[string]any   `json:"ref,omitempty"`
	Hard map[string]int64 `json:"hard"`
	Used map[string]int64 `json:"used,omitempty"`
}

// QuotaUpdateReq is PUT /quotas/{id}.
type QuotaUpdateReq struct {
	Hard map[string]int64 `json:"hard"`
}

// ProjectMember adds a member (POST /projects/{p}/members).
type ProjectMember struct {
	RoleID      int        `json:"role_id"`
	MemberGroup *UserGroup `json:"member_group,omitempty"`
}

// ProjectMemberEntity is a member as listed.
type ProjectMemberEntity struct {
	ID         int64  `json:"id"`
	ProjectID  int64  `json:"project_id"`
	EntityName string `json:"entity_name"`
	RoleName   string `json:"role_name"`
	RoleID     int    `json:"role_id"`
	EntityID   int64  `json:"entity_id"`
	// EntityType is "u" for a user, "g" for a group.
	EntityType string `json:"entity_type"`
}

// RoleRequest changes a member's role.
type RoleRequest struct {
	RoleID int `json:"role_id"`
}

// Role ids of project members (the swagger's ProjectMember.role_id).
var RoleIDs = map[string]int{"projectAdmin": 1, "developer": 2, "guest": 3, "maintainer": 4, "limitedGuest": 5}

// Access is one permission of a robot.
type Access struct {
	Resource string `json:"resource"`
	Action   string `json:"action"`
	Effect   string `json:"effect,omitempty"`
}

// RobotPermission scopes accesses to a project.
type RobotPermission struct {
	Kind      string   `json:"kind"`
	Namespace string   `json:"namespace"`
	Access    []Access `json:"access"`
}

// RobotCreate is POST /robots.
type RobotCreate struct {
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	Level       string            `json:"level"`
	Disable     bool              `json:"disable"`
	Duration    int64             `json:"duration"`
	Permissions []RobotPermission `json:"permissions"`
}

// RobotCreated is POST /robots' answer; Secret is shown only here.
type RobotCreated struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Secret string `json:"secret"`
}

// Robot is a robot as listed (never with its secret).
type Robot struct {
	ID          int64             `json:"id"`
	Name        string            `json:"name"`
	Level       string            `json:"level"`
	Disable     bool              `json:"disable"`
	Permissions []RobotPermission `json:"permissions"`
}

// RegistryCredential is a registry endpoint's login.
type RegistryCredential struct {
	Type         string `json:"type"`
	AccessKey    string `json:"access_key,omitempty"`
	AccessSecret string `json:"access_secret,omitempty"`
}

// Registry is a registry endpoint. Harbor's model has no CA field: it
// trusts a private CA through its trust bundle (caBundleSecretName), or
// Insecure skips verification.
type Registry struct {
	ID          int64               `json:"id,omitempty"`
	Name        string              `json:"name"`
	URL         string              `json:"url"`
	Type        string              `json:"type"`
	Insecure    bool                `json:"insecure"`
	Description string              `json:"description,omitempty"`
	Credential  *RegistryCredential `json:"credential,omitempty"`
	Status      string              `json:"status,omitempty"`
}

// RegistryUpdate is PUT /registries/{id}; nil fields stay.
type RegistryUpdate struct {
	Name           *string `json:"name,omitempty"`
	URL            *string `json:"url,omitempty"`
	CredentialType *string `json:"credential_type,omitempty"`
	AccessKey      *string `json:"access_key,omitempty"`
	AccessSecret   *string `json:"access_secret,omitempty"`
	Insecure       *bool   `json:"insecure,omitempty"`
}

// ReplicationFilter is a name, tag or resource filter.
type ReplicationFilter struct {
	Type       string `json:"type"`
	Value      any    `json:"value"`
	Decoration string `json:"decoration,omitempty"`
}

// ReplicationTriggerSettings carries the cron of a scheduled trigger.
type ReplicationTriggerSettings struct {
	Cron string `json:"cron"`
}

// ReplicationTrigger is manual, event_based or scheduled.
type ReplicationTrigger struct {
	Type            string                      `json:"type"`
	TriggerSettings *ReplicationTriggerSettings `json:"trigger_settings,omitempty"`
}

// RegistryRef names a registry by id inside a policy.
type RegistryRef struct {
	ID int64 `json:"id"`
}

// ReplicationPolicy is a replication rule. A pull policy has SrcRegistry
// and no DestRegistry (the local Harbor).
type ReplicationPolicy struct {
	ID                        int64               `json:"id,omitempty"`
	Name                      string              `json:"name"`
	Description               string              `json:"description,omitempty"`
	SrcRegistry               *RegistryRef        `json:"src_registry,omitempty"`
	DestRegistry              *RegistryRef        `json:"dest_registry,omitempty"`
	DestNamespace             string              `json:"dest_namespace,omitempty"`
	DestNamespaceReplaceCount *int                `json:"dest_namespace_replace_count,omitempty"`
	Trigger                   *ReplicationTrigger `json:"trigger,omitempty"`
	Filters                   []ReplicationFilter `json:"filters"`
	ReplicateDeletion         bool                `json:"replicate_deletion"`
	Override                  bool                `json:"override"`
	Enabled                   bool                `json:"enabled"`
}

// StartReplicationExecution is POST /replication/executions.
type StartReplicationExecution struct {
	PolicyID int64 `json:"policy_id"`
}

// ReplicationExecution is one run of a policy.
type ReplicationExecution struct {
	ID         int64  `json:"id"`
	PolicyID   int64  `json:"policy_id"`
	Status     string `json:"status"`
	Trigger    string `json:"trigger"`
	StatusText string `json:"status_text"`
	Total      int    `json:"total"`
	Failed     int    `json:"failed"`
	Succeed    int    `json:"succeed"`
	InProgress int    `json:"in_progress"`
	Stopped    int    `json:"stopped"`
}

// Execution statuses Harbor reports.
const (
	ExecInProgress = "InProgress"
	ExecSucceed    = "Succeed"
	ExecFailed     = "Failed"
	ExecStopped    = "Stopped"
)

// Done reports whether the execution reached a final status.
func (e ReplicationExecution) Done() bool {
	return e.Status == ExecSucceed || e.Status == ExecFailed || e.Status == ExecStopped
}
