package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/harborapi"
	"github.com/harbor-installer/harbor-installer/steps"
)

// RobotName is the name Setup gives each project's CI robot; Harbor shows
// it as robot$<project>+ci (with its robot_name_prefix).
const RobotName = "ci"

// Setup makes Harbor match the answers' day-one state, idempotently:
// harbor.projects (visibility, quota, LDAP group members with roles, a CI
// robot whose secret is written once to a 0600 file in opts.SecretsDir)
// and, with migration.enabled, the old registry's endpoint and a
// scheduled pull replication policy per rule, started once with
// migration.startNow. A re-run changes nothing that already matches. Each
// finding's Seen says what was created, changed or found as wanted.
func Setup(ctx context.Context, a *answers.Answers, opts Options, report func(steps.Finding)) ([]steps.Finding, error) {
	c := &collector{report: report}
	client, _, err := adminClient(a, &opts)
	if err != nil {
		c.add(failf("harbor.adminPassword", err.Error(), "fix the answer, then run again"))
		return c.out, ctx.Err()
	}
	defer client.Close()
	for i, p := range a.Harbor.Projects {
		if ctx.Err() != nil {
			return c.out, ctx.Err()
		}
		c.add(ensureProject(ctx, a, &opts, client, fmt.Sprintf("harbor.projects[%d]", i), p)...)
	}
	if a.Migration.Enabled {
		ensureMigration(ctx, a, &opts, client, c)
	}
	return c.out, ctx.Err()
}

// quotaBytes is a project's quota in bytes, -1 for none.
func quotaBytes(q string) (int64, error) {
	if q == "" {
		return -1, nil
	}
	v, err := resource.ParseQuantity(q)
	if err != nil {
		return 0, err
	}
	if v.Sign() <= 0 {
		return 0, fmt.Errorf("must be positive")
	}
	return v.Value(), nil
}

func ensureProject(ctx context.Context, a *answers.Answers, o *Options, client *harborapi.Client, key string, p answers.Project) []steps.Finding {
	cctx, cancel := context.WithTimeout(ctx, o.timeout())
	defer cancel()
	var out []steps.Finding
	quota, err := quotaBytes(p.Quota)
	if err != nil {
		return []steps.Finding{failf(key+".quota", fmt.Sprintf("%q is not a quota: %v", p.Quota, err), "write a Kubernetes quantity such as 500Gi, or leave it empty")}
	}
	public := fmt.Sprint(p.Public)
	cur, err := client.Project(cctx, p.Name)
	if err != nil {
		return []steps.Finding{failf(key+".name", "cannot read project "+p.Name+": "+err.Error(), "check Harbor core's logs")}
	}
	var changed []string
	if cur == nil {
		if _, err := client.CreateProject(cctx, harborapi.ProjectReq{ProjectName: p.Name, Metadata: &harborapi.ProjectMetadata{Public: public}, StorageLimit: &quota}); err != nil {
			return []steps.Finding{failf(key+".name", "cannot create project "+p.Name+": "+err.Error(), "check the name (lowercase letters, digits, . _ -)")}
		}
		if cur, err = client.Project(cctx, p.Name); err != nil || cur == nil {
			return []steps.Finding{failf(key+".name", fmt.Sprintf("project %s was created but cannot be read back: %v", p.Name, err), "check Harbor core's logs")}
		}
		changed = append(changed, "created")
	} else {
		if cur.Metadata.Public != public {
			if err := client.UpdateProject(cctx, p.Name, harborapi.ProjectReq{Metadata: &harborapi.ProjectMetadata{Public: public}}); err != nil {
				return []steps.Finding{failf(key+".public", "cannot change project "+p.Name+": "+err.Error(), "")}
			}
			changed = append(changed, "public set to "+public)
		}
		q, err := client.ProjectQuota(cctx, cur.ProjectID)
		if err != nil {
			return []steps.Finding{failf(key+".quota", "cannot read the quota of "+p.Name+": "+err.Error(), "")}
		}
		if q.Hard["storage"] != quota {
			if err := client.UpdateQuota(cctx, q.ID, quota); err != nil {
				return []steps.Finding{failf(key+".quota", "cannot set the quota of "+p.Name+": "+err.Error(), "")}
			}
			changed = append(changed, "quota set to "+quotaText(p.Quota))
		}
	}
	seen := fmt.Sprintf("project %s (public %s, quota %s) ", p.Name, public, quotaText(p.Quota))
	if len(changed) == 0 {
		out = append(out, okf(key+".name", seen+"already as wanted"))
	} else {
		out = append(out, okf(key+".name", seen+strings.Join(changed, ", ")))
	}
	for j, m := range p.Members {
		out = append(out, ensureMember(cctx, client, fmt.Sprintf("%s.members[%d]", key, j), p.Name, m))
	}
	if p.Robot {
		out = append(out, ensureRobot(cctx, o, client, key+".robot", p.Name, cur.ProjectID))
	}
	return out
}

func quotaText(q string) string {
	if q == "" {
		return "unlimited"
	}
	return q
}

func ensureMember(ctx context.Context, client *harborapi.Client, key, project string, m answers.Member) steps.Finding {
	role, ok := harborapi.RoleIDs[m.Role]
	if !ok {
		return failf(key+".role", fmt.Sprintf("%q is not a role", m.Role), "use projectAdmin, maintainer, developer, guest or limitedGuest")
	}
	gs, err := client.LDAPSearchGroupByDN(ctx, m.Group)
	if err != nil && !harborapi.IsStatus(err, http.StatusNotFound) {
		return failf(key+".group", "cannot look up LDAP group "+m.Group+" through Harbor: "+err.Error(), "check Harbor's LDAP settings (ldap.*)")
	}
	if len(gs) == 0 {
		return failf(key+".group", "Harbor finds no LDAP group "+m.Group, "the DN must be a group under ldap.groupBaseDN that ldap.groupFilter matches")
	}
	ms, err := client.Members(ctx, project)
	if err != nil {
		return failf(key+".group", "cannot list members of "+project+": "+err.Error(), "")
	}
	for _, cur := range ms {
		if cur.EntityType == "g" && cur.EntityName == gs[0].GroupName {
			if cur.RoleID == role {
				return okf(key+".group", fmt.Sprintf("group %s is already %s of %s", gs[0].GroupName, m.Role, project))
			}
			if err := client.UpdateMemberRole(ctx, project, cur.ID, role); err != nil {
				return failf(key+".role", "cannot change the role of "+gs[0].GroupName+": "+err.Error(), "")
			}
			return okf(key+".role", fmt.Sprintf("group %s of %s changed from %s to %s", gs[0].GroupName, project, cur.RoleName, m.Role))
		}
	}
	err = client.AddMember(ctx, project, harborapi.ProjectMember{RoleID: role, MemberGroup: &harborapi.UserGroup{GroupType: harborapi.GroupTypeLDAP, LdapGroupDN: m.Group}})
	if err != nil {
		return failf(key+".group", "cannot add group "+m.Group+" to "+project+": "+err.Error(), "check the DN and Harbor's LDAP group settings")
	}
	return okf(key+".group", fmt.Sprintf("group %s added to %s as %s", gs[0].GroupName, project, m.Role))
}

// RobotFile is the file Setup writes a project's robot secret to.
func RobotFile(dir, project string) string {
	if dir == "" {
		dir = "."
	}
	return filepath.Join(dir, "robot-"+project+".json")
}

// robotSecretFile is the 0600 file's content: what `docker login` needs.
type robotSecretFile struct {
	Registry string `json:"registry"`
	Name     string `json:"name"`
	Secret   string `json:"secret"`
}

func ensureRobot(ctx context.Context, o *Options, client *harborapi.Client, key, project string, projectID int64) steps.Finding {
	rs, err := client.ProjectRobots(ctx, projectID)
	if err != nil {
		return failf(key, "cannot list the robots of "+project+": "+err.Error(), "")
	}
	file := RobotFile(o.SecretsDir, project)
	for _, r := range rs {
		if strings.HasSuffix(r.Name, project+"+"+RobotName) {
			if _, err := os.Stat(file); err != nil {
				// Rotating the secret here would break the CI that uses it.
				return warnf(key, fmt.Sprintf("robot %s exists but its secret file %s is not here", r.Name, file),
					"Harbor shows a robot's secret only once: run with the --secrets-dir of the first run, or refresh the secret in Harbor (Robot Accounts) and update CI")
			}
			return okf(key, fmt.Sprintf("robot %s exists; its secret is in %s since it was made", r.Name, file))
		}
	}
	created, err := client.CreateRobot(ctx, harborapi.RobotCreate{
		Name: RobotName, Description: "CI push and pull, made by harbor-installer", Level: "project", Duration: -1,
		Permissions: []harborapi.RobotPermission{{Kind: "project", Namespace: project, Access: []harborapi.Access{
			{Resource: "repository", Action: "push"}, {Resource: "repository", Action: "pull"},
			{Resource: "artifact", Action: "read"}, {Resource: "tag", Action: "create"},
		}}},
	})
	if err != nil {
		return failf(key, "cannot create the robot of "+project+": "+err.Error(), "")
	}
	b, _ := json.MarshalIndent(robotSecretFile{Registry: client.URL(), Name: created.Name, Secret: created.Secret}, "", "  ")
	if err := writeSecret(file, append(b, '\n')); err != nil {
		return failf(key, fmt.Sprintf("robot %s was made but its secret could not be written to %s: %v", created.Name, file, err),
			"Harbor shows a robot's secret only once: refresh it in Harbor's UI (Robot Accounts) and keep it")
	}
	return okf(key, fmt.Sprintf("robot %s created; its secret is in %s (mode 0600, shown nowhere else)", created.Name, file))
}

// writeSecret writes a 0600 file atomically.
func writeSecret(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".robot-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
