package harness

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/registry"
	"helm.sh/helm/v3/pkg/repo"
)

// ChartRepo serves packaged charts on loopback twice: as a classic Helm
// chart repository (index.yaml and .tgz over HTTP) and from an in-process
// OCI registry.
type ChartRepo struct {
	// URL is the classic repository, http://127.0.0.1:<port>; its index is
	// URL + "/index.yaml".
	URL string
	// OCI is the base reference of the charts in the registry,
	// oci://127.0.0.1:<port>/charts: a chart is OCI + "/" + name, its tag
	// the chart version. Helm needs plain HTTP for it.
	OCI string
	// Dir holds the packages and index.yaml.
	Dir string
	// Charts maps each chart name to its versions served.
	Charts map[string][]string

	mu       sync.Mutex
	http     *httptest.Server
	registry *httptest.Server
	regHost  string
	client   *registry.Client
	owned    bool
}

// TestChartsDir returns the module's testcharts directory, found from this
// source file (so tests in any package can use it).
func TestChartsDir() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("cannot locate the harness source")
	}
	d := filepath.Join(filepath.Dir(file), "..", "testcharts")
	if _, err := os.Stat(d); err != nil {
		return "", fmt.Errorf("test charts: %w", err)
	}
	return filepath.Clean(d), nil
}

// StartChartRepo packages every chart directory under chartsDir ("" for
// TestChartsDir), serves them on loopback and pushes them to the OCI
// registry. ctx bounds the start only; Stop ends the servers.
func StartChartRepo(ctx context.Context, chartsDir string) (*ChartRepo, error) {
	if chartsDir == "" {
		d, err := TestChartsDir()
		if err != nil {
			return nil, err
		}
		chartsDir = d
	}
	dir, err := NewRunDir()
	if err != nil {
		return nil, err
	}
	r := &ChartRepo{Dir: dir, Charts: map[string][]string{}, owned: true}
	r.http = httptest.NewServer(http.FileServer(http.Dir(dir)))
	r.URL = r.http.URL
	r.registry = httptest.NewServer(ggcrregistry.New(ggcrregistry.Logger(log.New(io.Discard, "", 0))))
	r.regHost = strings.TrimPrefix(r.registry.URL, "http://")
	r.OCI = "oci://" + r.regHost + "/charts"
	r.client, err = registry.NewClient(registry.ClientOptPlainHTTP(), registry.ClientOptWriter(io.Discard),
		registry.ClientOptCredentialsFile(filepath.Join(dir, ".registry-config.json")))
	if err != nil {
		r.Stop()
		return nil, fmt.Errorf("helm registry client: %w", err)
	}
	entries, err := os.ReadDir(chartsDir)
	if err != nil {
		r.Stop()
		return nil, err
	}
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(chartsDir, e.Name(), "Chart.yaml")); err != nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			r.Stop()
			return nil, err
		}
		if err := r.add(filepath.Join(chartsDir, e.Name())); err != nil {
			r.Stop()
			return nil, err
		}
	}
	if err := r.reindex(); err != nil {
		r.Stop()
		return nil, err
	}
	return r, nil
}

// NewTestChartRepo starts a chart repository for t and stops it when t ends.
func NewTestChartRepo(t testing.TB, chartsDir string) *ChartRepo {
	t.Helper()
	r, err := StartChartRepo(context.Background(), chartsDir)
	if err != nil {
		t.Fatalf("start chart repo: %v", err)
	}
	t.Cleanup(r.Stop)
	return r
}

// AddChart packages one more chart directory (e.g. a modified copy with a
// new version, for upgrade tests), pushes it and refreshes the index.
func (r *ChartRepo) AddChart(chartDir string) error {
	if err := r.add(chartDir); err != nil {
		return err
	}
	return r.reindex()
}

func (r *ChartRepo) add(chartDir string) error {
	ch, err := loader.LoadDir(chartDir)
	if err != nil {
		return fmt.Errorf("load chart %s: %w", chartDir, err)
	}
	pkg, err := chartutil.Save(ch, r.Dir)
	if err != nil {
		return fmt.Errorf("package chart %s: %w", chartDir, err)
	}
	data, err := os.ReadFile(pkg)
	if err != nil {
		return err
	}
	name, version := ch.Metadata.Name, ch.Metadata.Version
	ref := fmt.Sprintf("%s/charts/%s:%s", r.regHost, name, strings.ReplaceAll(version, "+", "_"))
	if _, err := r.client.Push(data, ref); err != nil {
		return fmt.Errorf("push %s: %w", ref, err)
	}
	r.mu.Lock()
	r.Charts[name] = append(r.Charts[name], version)
	r.mu.Unlock()
	return nil
}

func (r *ChartRepo) reindex() error {
	idx, err := repo.IndexDirectory(r.Dir, r.URL)
	if err != nil {
		return fmt.Errorf("index charts: %w", err)
	}
	idx.SortEntries()
	tmp := filepath.Join(r.Dir, ".index.yaml.tmp")
	if err := idx.WriteFile(tmp, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(r.Dir, "index.yaml"))
}

// OCIRef returns the oci:// reference of a chart in the registry.
func (r *ChartRepo) OCIRef(name string) string { return r.OCI + "/" + name }

// Stop closes both servers and removes the packages.
func (r *ChartRepo) Stop() {
	if r.http != nil {
		r.http.Close()
	}
	if r.registry != nil {
		r.registry.Close()
	}
	if r.owned {
		_ = os.RemoveAll(r.Dir)
	}
}
