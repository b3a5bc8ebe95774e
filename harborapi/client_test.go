package harborapi_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/harbor-installer/harbor-installer/harborapi"
	"github.com/harbor-installer/harbor-installer/verify/harbortest"
)

func standIn(t *testing.T) *harbortest.Server {
	t.Helper()
	s, err := harbortest.New(harbortest.Options{AdminPassword: "Admin-Secret-1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestErrorsNameEndpointAndStatusNeverThePassword(t *testing.T) {
	s := standIn(t)
	c, err := harborapi.New(s.URL, harborapi.Options{Username: "admin", Password: "Wrong-Secret-9"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CurrentUser(context.Background())
	var se *harborapi.StatusError
	if !errors.As(err, &se) || se.Status != http.StatusUnauthorized || se.Endpoint != "/api/v2.0/users/current" {
		t.Fatalf("err = %v, want a 401 StatusError for /api/v2.0/users/current", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "GET /api/v2.0/users/current: HTTP 401") || strings.Contains(msg, "Wrong-Secret-9") {
		t.Errorf("error text %q", msg)
	}
	// A refused connection names the endpoint too, without credentials.
	dead, _ := harborapi.New("http://127.0.0.1:1", harborapi.Options{Username: "admin", Password: "Wrong-Secret-9"})
	_, err = dead.Health(context.Background())
	if err == nil || !strings.Contains(err.Error(), "GET /api/v2.0/health") || strings.Contains(err.Error(), "Wrong-Secret-9") {
		t.Errorf("dial error %v", err)
	}
}

func TestProjectsRobotsAgainstStandIn(t *testing.T) {
	s := standIn(t)
	c, _ := harborapi.New(s.URL, harborapi.Options{Username: "admin", Password: "Admin-Secret-1"})
	ctx := context.Background()
	if p, err := c.Project(ctx, "absent"); p != nil || err != nil {
		t.Fatalf("absent project: %v %v", p, err)
	}
	limit := int64(1 << 30)
	id, err := c.CreateProject(ctx, harborapi.ProjectReq{ProjectName: "p1", Metadata: &harborapi.ProjectMetadata{Public: "true"}, StorageLimit: &limit})
	if err != nil || id == 0 {
		t.Fatalf("create: %d %v", id, err)
	}
	if _, err := c.CreateProject(ctx, harborapi.ProjectReq{ProjectName: "p1"}); !harborapi.IsStatus(err, http.StatusConflict) {
		t.Errorf("second create: %v, want 409", err)
	}
	if _, err := c.CreateProject(ctx, harborapi.ProjectReq{}); !harborapi.IsStatus(err, http.StatusBadRequest) || !strings.Contains(err.Error(), "project_name") {
		t.Errorf("create without name: %v, want 400 naming project_name", err)
	}
	p, err := c.Project(ctx, "p1")
	if err != nil || p.ProjectID != id || p.Metadata.Public != "true" {
		t.Fatalf("get: %+v %v", p, err)
	}
	q, err := c.ProjectQuota(ctx, id)
	if err != nil || q.Hard["storage"] != limit {
		t.Fatalf("quota: %+v %v", q, err)
	}
	if err := c.UpdateQuota(ctx, q.ID, -1); err != nil {
		t.Fatal(err)
	}
	r, err := c.CreateRobot(ctx, harborapi.RobotCreate{Name: "ci", Level: "project", Duration: -1,
		Permissions: []harborapi.RobotPermission{{Kind: "project", Namespace: "p1", Access: []harborapi.Access{{Resource: "repository", Action: "pull"}}}}})
	if err != nil || r.Secret == "" || r.Name != "robot$p1+ci" {
		t.Fatalf("robot: %+v %v", r, err)
	}
	rs, err := c.ProjectRobots(ctx, id)
	if err != nil || len(rs) != 1 || rs[0].Name != "robot$p1+ci" {
		t.Fatalf("robots: %+v %v", rs, err)
	}
	if err := c.DeleteProject(ctx, "p1"); err != nil {
		t.Fatal(err)
	}
}

func TestStandInRefusesUnknownFields(t *testing.T) {
	s := standIn(t)
	c, _ := harborapi.New(s.URL, harborapi.Options{Username: "admin", Password: "Admin-Secret-1"})
	// A policy with a cron of five fields is refused as Harbor does.
	reg, err := c.CreateRegistry(context.Background(), harborapi.Registry{Name: "r", URL: "http://127.0.0.1:5000", Type: "docker-registry"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreatePolicy(context.Background(), harborapi.ReplicationPolicy{Name: "x", SrcRegistry: &harborapi.RegistryRef{ID: reg},
		Trigger: &harborapi.ReplicationTrigger{Type: "scheduled", TriggerSettings: &harborapi.ReplicationTriggerSettings{Cron: "0 */12 * * *"}}, Enabled: true})
	if !harborapi.IsStatus(err, http.StatusBadRequest) || !strings.Contains(err.Error(), "6 fields") {
		t.Errorf("five-field cron: %v, want 400", err)
	}
	_, err = c.CreateRegistry(context.Background(), harborapi.Registry{Name: "r2", URL: "http://127.0.0.1:5000"})
	if !harborapi.IsStatus(err, http.StatusBadRequest) || !strings.Contains(err.Error(), "type") {
		t.Errorf("registry without type: %v, want 400", err)
	}
}
