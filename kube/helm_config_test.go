package kube

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/repo"

	"github.com/harbor-installer/harbor-installer/kube/model"
)

// TestLoadChartUsesHelmEnvironment fetches a chart from a repository that
// asks for basic auth, with the credentials `helm repo add` saved in
// HELM_REPOSITORY_CONFIG, into the cache HELM_CACHE_HOME names.
func TestLoadChartUsesHelmEnvironment(t *testing.T) {
	dir := t.TempDir()
	ch, err := loader.LoadDir(filepath.Join("..", "testcharts", "minio"))
	if err != nil {
		t.Fatal(err)
	}
	served := filepath.Join(dir, "served")
	if err := os.MkdirAll(served, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := chartutil.Save(ch, served); err != nil {
		t.Fatal(err)
	}
	files := http.FileServer(http.Dir(served))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "reader" || p != "repo-pass" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		files.ServeHTTP(w, r)
	}))
	defer srv.Close()
	idx, err := repo.IndexDirectory(served, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if err := idx.WriteFile(filepath.Join(served, "index.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}

	cfg := filepath.Join(dir, "repositories.yaml")
	rf := repo.NewFile()
	rf.Update(&repo.Entry{Name: "private", URL: srv.URL + "/", Username: "reader", Password: "repo-pass"})
	if err := rf.WriteFile(cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	// `helm repo add` also caches the repository's index.
	cache := filepath.Join(dir, "cache", "repository")
	if err := os.MkdirAll(cache, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := idx.WriteFile(filepath.Join(cache, "private-index.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HELM_REPOSITORY_CONFIG", cfg)
	t.Setenv("HELM_CACHE_HOME", filepath.Join(dir, "cache"))
	t.Setenv("HELM_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("HELM_REGISTRY_CONFIG", filepath.Join(dir, "config", "registry.json"))

	b, _, _ := fakeBackend(t, nil)
	got, _, err := b.loadChart(model.ChartSource{Ref: "minio", RepoURL: srv.URL, Version: ch.Metadata.Version})
	if err != nil {
		t.Fatal(err)
	}
	if got.Metadata.Name != "minio" || got.Metadata.Version != ch.Metadata.Version {
		t.Errorf("loaded %s %s", got.Metadata.Name, got.Metadata.Version)
	}
	if m, _ := filepath.Glob(filepath.Join(cache, "minio-*.tgz")); len(m) == 0 {
		t.Errorf("the chart was not downloaded into HELM_CACHE_HOME")
	}

	// Without the saved credentials the repository refuses.
	if err := os.Remove(cfg); err != nil {
		t.Fatal(err)
	}
	if _, _, err := b.loadChart(model.ChartSource{Ref: "minio", RepoURL: srv.URL, Version: ch.Metadata.Version}); err == nil {
		t.Error("loaded a chart without credentials")
	}

	// A local directory.
	if got, _, err := b.loadChart(model.ChartSource{Ref: filepath.Join("..", "testcharts", "velero")}); err != nil || got.Metadata.Name != "velero" {
		t.Errorf("local chart: %v", err)
	}
}
