package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/harbor-installer/harbor-installer/answers"
)

// The mirror replaces exactly the chart sources left at their pinned
// defaults; a source the answers wrote stays, and a bad mirror is a usage
// error naming the variable.
func TestChartMirror(t *testing.T) {
	file := filepath.Join(t.TempDir(), "answers.yaml")
	text := "version: 1\npreset: eks-minio\nharbor:\n  domain: r.example.org\ncharts:\n  velero:\n    source: /srv/charts/velero\n"
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	load := func() *answers.Loaded {
		l, err := answers.Load(answers.Options{File: file})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}

	l := load()
	changed, err := applyChartMirror(l, "http://127.0.0.1:8080/")
	if err != nil {
		t.Fatal(err)
	}
	// Velero's source is the answers'; Trident is not installed.
	if strings.Join(changed, ",") != "harbor,minio" {
		t.Errorf("changed %v, want harbor, minio", changed)
	}
	a := &l.Answers
	if a.Charts.Harbor.Source != "http://127.0.0.1:8080" || a.Charts.Harbor.Version != "1.19.1" {
		t.Errorf("harbor chart %+v", a.Charts.Harbor)
	}
	if m := a.MinIOChart(); m.Source != "http://127.0.0.1:8080" || m.Name != "minio" || m.Version != "5.4.0" {
		t.Errorf("minio chart %+v", m)
	}
	if a.Charts.Velero.Source != "/srv/charts/velero" {
		t.Errorf("the answers' velero source was replaced: %+v", a.Charts.Velero)
	}

	l = load()
	if _, err := applyChartMirror(l, "oci://127.0.0.1:5000/charts"); err != nil {
		t.Fatal(err)
	}
	if s := l.Answers.Charts.Trident.Source; s != "oci://127.0.0.1:5000/charts/trident-operator" {
		t.Errorf("trident from OCI: %s", s)
	}
	if s := l.Answers.MinIOChart().Source; s != "oci://127.0.0.1:5000/charts/minio" {
		t.Errorf("minio from OCI: %s", s)
	}

	l = load()
	if changed, err := applyChartMirror(l, ""); err != nil || changed != nil || l.Answers.Charts.Harbor.Source != "https://helm.goharbor.io" {
		t.Errorf("no mirror changed %v (%v): %+v", changed, err, l.Answers.Charts.Harbor)
	}
	if _, err := applyChartMirror(load(), "ftp://mirror"); err == nil {
		t.Error("ftp:// mirror accepted")
	} else if ee, ok := err.(*exitError); !ok || ee.code != ExitUsage {
		t.Errorf("bad mirror: %v, want a usage error", err)
	}
}
