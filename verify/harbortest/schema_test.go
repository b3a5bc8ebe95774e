package harbortest

import (
	"strings"
	"testing"
)

func TestValidateAgainstSwagger(t *testing.T) {
	for _, c := range []struct {
		def, body, wantErr string
	}{
		{"ProjectReq", `{"project_name":"a","metadata":{"public":"true"},"storage_limit":-1}`, ""},
		{"ProjectReq", `{"name":"a"}`, `has no property "name"`},
		{"ProjectReq", `{"metadata":{"public":"true"}}`, "project_name: required"},
		{"ProjectReq", `{"project_name":"a","metadata":{"visibility":"x"}}`, `metadata.visibility: ProjectMetadata has no property`},
		{"RobotCreate", `{"name":"ci","level":"project","duration":-1,"permissions":[{"kind":"project","namespace":"a","access":[{"resource":"repository","action":"push"}]}]}`, ""},
		{"RobotCreate", `{"name":"ci","level":"project","duration":-1,"permissions":[]}`, "permissions: RobotCreate needs at least one"},
		{"RobotCreate", `{"name":"ci","level":"project","duration":-1,"permissions":[{"kind":"project","namespace":"a","access":[{"resource":"repository"}]}]}`, "permissions[0].access[0].action: required"},
		{"ReplicationPolicy", `{"name":"p","src_registry":{"id":1},"filters":[{"type":"name","value":"a/**"}],"trigger":{"type":"scheduled","trigger_settings":{"cron":"0 0 * * * *"}}}`, ""},
		{"ReplicationPolicy", `{"name":"p","filters":[{"type":"name"}]}`, "filters[0].value: required"},
		{"ProjectMember", `{"role_id":2,"member_group":{"group_type":1,"ldap_group_dn":"cn=x"}}`, ""},
		{"ProjectMember", `{"role_id":2,"member_group":{"group_type":1,"dn":"cn=x"}}`, `UserGroup has no property "dn"`},
	} {
		err := validate(c.def, []byte(c.body), nil)
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("%s %s: %v", c.def, c.body, err)
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("%s %s: error %v, want %q", c.def, c.body, err, c.wantErr)
		}
	}
}

func TestGlobAndDestRepo(t *testing.T) {
	re := globRE("team-a/**")
	if !re.MatchString("team-a/app") || !re.MatchString("team-a/x/y") || re.MatchString("team-b/app") {
		t.Error("team-a/** matches wrongly")
	}
	if one := globRE("legacy/*"); !one.MatchString("legacy/db") || one.MatchString("legacy/a/b") {
		t.Error("legacy/* matches wrongly")
	}
	for _, c := range [][4]any{{"p", 1, "team-a/app", "p/app"}, {"p", 1, "app", "p/app"}, {"p", -1, "a/b/c", "p/c"}, {"p", 1, "a/b/c", "p/b/c"}} {
		if got := destRepo(c[0].(string), c[1].(int), c[2].(string)); got != c[3] {
			t.Errorf("destRepo%v = %s", c, got)
		}
	}
}
