package install

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestReverseOrderAndUninstall(t *testing.T) {
	p := graphPlan()
	got := strings.Join(ReverseOrder(p), ",")
	pos := func(n string) int { return strings.Index(got, n) }
	if pos("velero") > pos("minio") || pos("minio") > pos("trident") || pos("harbor") > pos("trident") {
		t.Fatalf("reverse order %s", got)
	}
	f := newFake()
	p.Secrets = secretPlan().Secrets
	t.Setenv("T_BIND", "b")
	if _, err := New(f, Options{}).Run(context.Background(), p, nil); err != nil {
		t.Fatal(err)
	}
	if err := Uninstall(context.Background(), f, p, UninstallOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	if len(f.releases) != 0 || len(f.secrets) != 3 {
		t.Errorf("after uninstall: %d releases, %d secrets (want 0 and 3 kept)", len(f.releases), len(f.secrets))
	}
	c := f.callList()
	if index(c, "uninstall velero") > index(c, "uninstall minio") || index(c, "uninstall minio") > index(c, "uninstall trident") {
		t.Errorf("uninstall order %v", c)
	}
	if err := Uninstall(context.Background(), f, p, UninstallOptions{Purge: true}, nil); err != nil {
		t.Fatal(err)
	}
	if len(f.secrets) != 0 {
		t.Errorf("--purge left %d secrets", len(f.secrets))
	}
}

func TestPlanDiffAndStatus(t *testing.T) {
	t.Setenv("T_BIND", "b")
	f := newFake()
	p := secretPlan()
	d, err := PlanDiff(context.Background(), f, p)
	if err != nil || !d.Changed() || d.Releases[0].Installed || d.Secrets[0].Change != SecretNew {
		t.Fatalf("diff before install: %+v %v", d, err)
	}
	if _, err := New(f, Options{}).Run(context.Background(), p, nil); err != nil {
		t.Fatal(err)
	}
	if d, _ = PlanDiff(context.Background(), f, p); d.Changed() {
		t.Fatalf("diff after install: %+v", d)
	}
	p.Releases[0].Values["nested"].(map[string]any)["x"] = "z"
	p.Releases[0].Chart.Version = "1.1.0"
	t.Setenv("T_BIND", "c")
	d, _ = PlanDiff(context.Background(), f, p)
	r := d.Releases[0]
	if r.FromVersion != "1.0.0" || r.ToVersion != "1.1.0" || strings.Join(r.ChangedPaths, ",") != "core.podAnnotations."+RolloutAnnotation("harbor/ldap")+",nested.x" {
		t.Errorf("release diff %+v", r)
	}
	if d.Secrets[1].Change != SecretChanged || d.Secrets[0].Change != SecretUnchanged {
		t.Errorf("secret diff %+v", d.Secrets)
	}
	st, err := Status(context.Background(), f, p, time.Second)
	if err != nil || len(st) != 1 || st[0].Revision != 1 || len(st[0].Objects) != 1 {
		t.Fatalf("status %+v %v", st, err)
	}
}
