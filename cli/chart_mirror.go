package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/harbor-installer/harbor-installer/answers"
)

// ChartMirrorEnv names the environment variable that serves every chart
// whose source is left at its pinned default (charts.*.source not set by a
// preset, the answers file or --set) from one other repository: a classic
// Helm repository (http:// or https://, charts by name) or an OCI base
// (oci://host/path, a chart at oci://host/path/<name>). Versions stay as
// pinned. It is for mirrors inside a network without Internet access, and
// it is how `make demo` and the e2e tests serve the presets' charts from the
// loopback test repository. A chart source written anywhere in the answers
// wins over it. It is read here only, for every command that loads answers.
const ChartMirrorEnv = "HARBOR_INSTALLER_CHART_MIRROR"

// getenv is os.Getenv; tests replace it.
var getenv = os.Getenv

// applyChartMirror points each chart left at its pinned default at mirror
// and returns those of them the answers install ("" mirror: none).
func applyChartMirror(l *answers.Loaded, mirror string) ([]string, error) {
	if mirror == "" {
		return nil, nil
	}
	mirror = strings.TrimRight(mirror, "/")
	if !strings.HasPrefix(mirror, "http://") && !strings.HasPrefix(mirror, "https://") && !strings.HasPrefix(mirror, "oci://") {
		return nil, usageErr("%s=%q: want a chart repository URL (https://...) or an OCI base (oci://host/path)", ChartMirrorEnv, mirror)
	}
	a := &l.Answers
	charts := []struct {
		key   string
		chart *answers.Chart
		name  string
		used  bool
	}{
		{"harbor", &a.Charts.Harbor, a.Charts.Harbor.Name, true},
		{"minio", &a.Charts.MinIO, a.MinIOChart().Name, a.MinIO.Enabled},
		{"trident", &a.Charts.Trident, a.Charts.Trident.Name, a.Storage.Provider == "trident" && a.Storage.Trident.Install},
		{"velero", &a.Charts.Velero, a.Charts.Velero.Name, a.Backup.Enabled},
	}
	var changed []string
	for _, c := range charts {
		if p, ok := l.Origins["charts."+c.key+".source"]; ok && p.Source != "defaults" {
			continue // written by the user or a preset: theirs
		}
		if strings.HasPrefix(mirror, "oci://") {
			c.chart.Source = mirror + "/" + c.name
		} else {
			c.chart.Source = mirror
		}
		if c.key == "minio" {
			// MinIOChart fills the name and version from minio.chart.
			d := a.MinIOChart()
			c.chart.Name, c.chart.Version = d.Name, d.Version
		}
		if c.used {
			changed = append(changed, c.key)
		}
	}
	return changed, nil
}

// mirrorNotice says which charts come from the mirror, so a replayed
// install without the variable is not a surprise.
func mirrorNotice(mirror string, changed []string) string {
	return fmt.Sprintf("note: charts %s come from %s=%s", strings.Join(changed, ", "), ChartMirrorEnv, mirror)
}
