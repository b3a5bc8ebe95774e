package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/render"
)

// The wizard's install takes the mirror as the commands do: charts at their
// pinned default source come from it, a source the answers wrote stays, the
// wizard's answers are left as saved, and without the variable the plan is
// the wizard's own.
func TestWizardMirror(t *testing.T) {
	file := filepath.Join(t.TempDir(), "answers.yaml")
	text := "version: 1\npreset: eks-minio\nharbor:\n  domain: r.example.org\ncharts:\n  velero:\n    source: /srv/charts/velero\n"
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := answers.Load(answers.Options{File: file})
	if err != nil {
		t.Fatal(err)
	}
	a := &l.Answers
	plan, err := render.Build(a)
	if err != nil {
		t.Fatal(err)
	}
	defaultHarbor := a.Charts.Harbor.Source

	old := getenv
	t.Cleanup(func() { getenv = old })
	getenv = func(string) string { return "" }
	if got, err := wizardMirror(a, plan); err != nil || got != plan {
		t.Fatalf("without a mirror: plan changed (%v)", err)
	}

	getenv = func(k string) string {
		if k == ChartMirrorEnv {
			return "http://127.0.0.1:8080/"
		}
		return ""
	}
	got, err := wizardMirror(a, plan)
	if err != nil {
		t.Fatal(err)
	}
	sources := map[string]string{}
	for _, r := range got.Releases {
		sources[r.Name] = r.Chart.Source
	}
	if sources["harbor"] != "http://127.0.0.1:8080" || sources["minio"] != "http://127.0.0.1:8080" {
		t.Errorf("harbor and minio should come from the mirror: %v", sources)
	}
	if s, ok := sources["velero"]; ok && s != "/srv/charts/velero" {
		t.Errorf("velero's written source was replaced: %q", s)
	}
	if a.Charts.Harbor.Source != defaultHarbor {
		t.Errorf("the wizard's answers changed: harbor source %q", a.Charts.Harbor.Source)
	}

	getenv = func(string) string { return "ftp://nope" }
	if _, err := wizardMirror(a, plan); err == nil {
		t.Error("a bad mirror is not an error")
	}
}
