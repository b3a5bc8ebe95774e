package steps

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/Masterminds/semver/v3"

	"github.com/harbor-installer/harbor-installer/answers"
)

func clusterStep() Step {
	return Step{
		Name:     "cluster",
		Title:    "Cluster",
		Keys:     []string{"cluster", "charts"},
		Validate: validateCluster,
		Check:    clusterLive,
	}
}

func validateCluster(a *answers.Answers) []Finding {
	var out []Finding
	if a.Cluster.Kubeconfig != "" {
		out = append(out, checkFile("cluster.kubeconfig", a.Cluster.Kubeconfig, true)...)
	}
	charts := []struct {
		key    string
		c      answers.Chart
		needed bool
	}{
		{"charts.harbor", a.Charts.Harbor, true},
		{"charts.minio", a.MinIOChart(), a.MinIO.Enabled},
		{"charts.trident", a.Charts.Trident, a.Storage.Provider == "trident" && a.Storage.Trident.Install},
		{"charts.velero", a.Charts.Velero, a.Backup.Enabled},
	}
	for _, c := range charts {
		if c.needed {
			out = append(out, checkChart(c.key, c.c)...)
		}
	}
	return out
}

// checkChart checks a chart source: an https repository, an oci:// reference
// or a local directory or .tgz, and a semantic version.
func checkChart(key string, c answers.Chart) []Finding {
	var out []Finding
	src := c.Source
	switch {
	case src == "":
		out = append(out, fail(key+".source", "required but empty", "give an https repository URL, an oci:// reference, or a local chart directory or .tgz"))
	case strings.HasPrefix(src, "oci://"):
		if _, err := url.Parse(src); err != nil || len(src) <= len("oci://") {
			out = append(out, fail(key+".source", fmt.Sprintf("%q is not a valid oci:// reference", src), "write oci://registry/path/chart"))
		}
	case strings.HasPrefix(src, "https://") || strings.HasPrefix(src, "http://"):
		u, err := url.Parse(src)
		if err != nil || u.Host == "" {
			out = append(out, fail(key+".source", fmt.Sprintf("%q is not a valid URL", src), "write https://host/path of the chart repository"))
		} else if u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
			out = append(out, warn(key+".source", fmt.Sprintf("%q is plain http", src), "charts fetched over http can be tampered with; prefer https"))
		}
		if c.Name == "" {
			out = append(out, fail(key+".name", "required for a repository source", "give the chart's name in the repository"))
		}
	default:
		st, err := os.Stat(src)
		switch {
		case err != nil:
			out = append(out, fail(key+".source", fmt.Sprintf("%q is not a URL and not a readable local path: %v", src, unwrap(err)), "give an https:// or oci:// source, or the path of a chart directory or .tgz"))
		case st.IsDir():
			if _, err := os.Stat(filepath.Join(src, "Chart.yaml")); err != nil {
				out = append(out, fail(key+".source", fmt.Sprintf("directory %s has no Chart.yaml", src), "point at the chart's own directory"))
			}
		case !strings.HasSuffix(src, ".tgz") && !strings.HasSuffix(src, ".tar.gz"):
			out = append(out, fail(key+".source", fmt.Sprintf("%s is a file but not a .tgz chart archive", src), "give a chart directory or a packaged .tgz"))
		}
	}
	if c.Version == "" {
		out = append(out, fail(key+".version", "required but empty", "pin a chart version"))
	} else if _, err := semver.StrictNewVersion(strings.TrimPrefix(c.Version, "v")); err != nil {
		out = append(out, fail(key+".version", fmt.Sprintf("%q is not an exact semantic version", c.Version), "pin one version such as 1.19.1, not a range"))
	}
	return out
}

func isLoopbackHost(h string) bool {
	return h == "localhost" || strings.HasPrefix(h, "127.") || h == "::1"
}
