package render

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/harbor-installer/harbor-installer/answers"
	"gopkg.in/yaml.v3"
)

var updateChartKeys = flag.Bool("update-chartkeys", false, "regenerate testdata/chartkeys from the charts in $HARBOR_INSTALLER_UPSTREAM_CHARTS")

// upstreamEnv names a directory with the pinned upstream charts unpacked
// (layout in the package documentation).
const upstreamEnv = "HARBOR_INSTALLER_UPSTREAM_CHARTS"

// upstreamChart maps a pinned chart to its directory under upstreamEnv and
// to the keys its values.yaml leaves commented out but its templates read
// (each checked against the templates when the list is regenerated).
var upstreamCharts = []struct {
	name, version, dir string
	commented          []string
}{
	{"harbor", "1.19.1", "harbor", append([]string{
		"persistence.imageChartStorage.caBundleSecretName",
		"persistence.imageChartStorage.s3.existingSecret",
		"persistence.imageChartStorage.s3.accesskey",
		"persistence.imageChartStorage.s3.secretkey",
		"persistence.imageChartStorage.s3.regionendpoint",
		"persistence.imageChartStorage.s3.encrypt",
		"persistence.imageChartStorage.s3.keyid",
		"persistence.imageChartStorage.s3.secure",
		"persistence.imageChartStorage.s3.skipverify",
		"persistence.imageChartStorage.s3.v4auth",
		"persistence.imageChartStorage.s3.chunksize",
		"persistence.imageChartStorage.s3.rootdirectory",
		"persistence.imageChartStorage.s3.storageclass",
		"persistence.imageChartStorage.s3.multipartcopychunksize",
		"persistence.imageChartStorage.s3.multipartcopymaxconcurrency",
		"persistence.imageChartStorage.s3.multipartcopythresholdsize",
		"caBundleSecretName",
		"core.resources.*",
		"portal.resources.*",
		"registry.registry.resources.*",
		"registry.controller.resources.*",
		"jobservice.resources.*",
		"exporter.resources.*",
		"nginx.resources.*",
		// List items: extraEnvVars are EnvVars, spread constraints are
		// TopologySpreadConstraints, both passed on whole.
		"core.extraEnvVars[].name",
		"core.extraEnvVars[].value",
		"core.extraEnvVars[].valueFrom.*",
	}, spreadKeys("core", "portal", "registry", "jobservice", "trivy")...)},
	{"minio", "5.4.0", "minio-official", append([]string{
		"buckets[].name",
		"buckets[].policy",
		"buckets[].purge",
		"users[].accessKey",
		"users[].existingSecret",
		"users[].existingSecretKey",
		"users[].policy",
		"policies[].name",
		"policies[].statements[].effect",
		"policies[].statements[].resources",
		"policies[].statements[].actions",
	}, spreadKeys("")...)},
	{"minio", "17.0.23", "minio-bitnami", append([]string{
		"provisioning.buckets[].name",
		"provisioning.policies[].name",
		"provisioning.policies[].statements[].effect",
		"provisioning.policies[].statements[].resources",
		"provisioning.policies[].statements[].actions",
	}, spreadKeys("")...)},
	{"trident-operator", "100.2606.0", "trident-operator", nil},
	{"velero", "12.1.0", "velero", nil},
}

// spreadKeys are the item keys of topologySpreadConstraints under each
// prefix ("" for the top level).
func spreadKeys(prefixes ...string) []string {
	var out []string
	for _, p := range prefixes {
		if p != "" {
			p += "."
		}
		for _, k := range []string{"maxSkew", "topologyKey", "whenUnsatisfiable", "labelSelector.*"} {
			out = append(out, p+"topologySpreadConstraints[]."+k)
		}
	}
	return out
}

// freeForm names keys whose maps take any keys (annotations, labels...).
var freeForm = map[string]bool{
	"annotations": true, "labels": true, "podAnnotations": true, "podLabels": true,
	"serviceAnnotations": true, "nodeSelector": true, "commonLabels": true,
	"commonAnnotations": true, "additionalLabels": true, "additionalAnnotations": true,
	"affinity": true, "resources": true, "secretContents": true,
}

// chartKeyLines derives the valid key paths of a chart from its values.yaml:
// every map key path; maps that are empty, free-form by name, or null take
// anything below them ("path.*"); lists of maps are descended as path[]
// (the keys of the items the chart shows); other lists are leaves.
func chartKeyLines(values map[string]any) []string {
	out := map[string]bool{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		last := prefix[strings.LastIndex(prefix, ".")+1:]
		switch t := v.(type) {
		case map[string]any:
			out[prefix] = true
			if len(t) == 0 || freeForm[last] {
				out[prefix+".*"] = true
			}
			for k, val := range t {
				walk(prefix+"."+k, val)
			}
		case []any:
			out[prefix] = true
			if freeForm[last] {
				out[prefix+".*"] = true
			}
			for _, item := range t {
				if m, ok := item.(map[string]any); ok {
					for k, val := range m {
						walk(prefix+"[]."+k, val)
					}
				}
			}
		case nil:
			out[prefix] = true
			out[prefix+".*"] = true
		default:
			out[prefix] = true
		}
	}
	for k, v := range values {
		walk(k, v)
	}
	lines := make([]string, 0, len(out))
	for l := range out {
		lines = append(lines, l)
	}
	sort.Strings(lines)
	return lines
}

func readChartValues(t *testing.T, dir string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := yaml.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s/values.yaml: %v", dir, err)
	}
	return v
}

func upstreamDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv(upstreamEnv)
	if dir == "" {
		t.Skipf("%s is not set: point it at the unpacked upstream charts (see the package documentation) to check renders against them", upstreamEnv)
	}
	return dir
}

// TestChartKeys checks (and with -update-chartkeys rewrites) the key lists
// against the upstream charts.
func TestChartKeys(t *testing.T) {
	root := upstreamDir(t)
	for _, c := range upstreamCharts {
		dir := filepath.Join(root, c.dir)
		if b, err := os.ReadFile(filepath.Join(dir, "Chart.yaml")); err != nil || !strings.Contains(string(b), "\nversion: "+c.version) {
			t.Errorf("%s is not chart %s %s", dir, c.name, c.version)
			continue
		}
		lines := chartKeyLines(readChartValues(t, dir))
		reads := readChartTemplates(t, dir)
		for _, k := range c.commented {
			// The full path must be read, not just a key of that name
			// somewhere (s3.secure must not pass on another .secure).
			if !reads.covers(strings.TrimSuffix(k, ".*")) {
				t.Errorf("%s %s: commented key %s is not read by any template", c.name, c.version, k)
			}
			lines = append(lines, k)
			if strings.HasSuffix(k, ".*") {
				lines = append(lines, strings.TrimSuffix(k, ".*"))
			}
		}
		sort.Strings(lines)
		lines = dedupe(lines)
		text := fmt.Sprintf("# Key paths of chart %s %s, from its values.yaml (plus keys it documents\n# only in comments). A line ending in .* allows anything below it.\n%s\n",
			c.name, c.version, strings.Join(lines, "\n"))
		file := filepath.Join("testdata", "chartkeys", c.name+"-"+c.version+".txt")
		if *updateChartKeys {
			if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if b, err := os.ReadFile(file); err != nil || string(b) != text {
			t.Errorf("%s is out of date with %s (run with -update-chartkeys)", file, dir)
		}
	}
}

func dedupe(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

func helmBinary(t *testing.T) string {
	t.Helper()
	if h := os.Getenv("HELM"); h != "" {
		return h
	}
	cache := os.Getenv("HARBOR_INSTALLER_CACHE")
	if cache == "" {
		if c, err := os.UserCacheDir(); err == nil {
			cache = filepath.Join(c, "harbor-installer")
		}
	}
	if p := filepath.Join(cache, "bin", "helm-v3.22.0"); cache != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	p, err := exec.LookPath("helm")
	if err != nil {
		t.Skip("no helm binary: run hack/build-tools.sh helm or set HELM")
	}
	return p
}

// TestHelmTemplateUpstream renders every golden case's values with the real
// pinned charts (`helm template`); it runs only with upstreamEnv set.
func TestHelmTemplateUpstream(t *testing.T) {
	root := upstreamDir(t)
	helm := helmBinary(t)
	dirOf := func(ch answers.Chart) string {
		for _, c := range upstreamCharts {
			if c.name == ch.Name && c.version == ch.Version {
				return filepath.Join(root, c.dir)
			}
		}
		return ""
	}
	for _, c := range cases {
		p := buildCase(t, c)
		vdir := t.TempDir()
		if err := p.WriteDir(vdir); err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Releases {
			t.Run(c.name+"/"+r.Name, func(t *testing.T) {
				chart := dirOf(r.Chart)
				if chart == "" {
					t.Fatalf("no upstream chart for %s %s", r.Chart.Name, r.Chart.Version)
				}
				cmd := exec.Command(helm, "template", r.Name, chart, "--namespace", r.Namespace,
					"--kube-version", "1.31.0", "--values", filepath.Join(vdir, r.ValuesFile))
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("helm template: %v\n%s", err, out)
				}
				checkRendered(t, r, string(out))
			})
		}
	}
}

// checkRendered spot-checks the manifests: every workload the plan waits on
// (except hook Jobs and objects an operator or controller creates later) is
// rendered, and nothing of notary or chartmuseum appears.
func checkRendered(t *testing.T, r Release, manifests string) {
	t.Helper()
	rendered := map[string]bool{}
	dec := yaml.NewDecoder(strings.NewReader(manifests))
	for {
		var doc struct {
			Kind     string `yaml:"kind"`
			Metadata struct {
				Name string `yaml:"name"`
			} `yaml:"metadata"`
		}
		if err := dec.Decode(&doc); err != nil {
			if err == io.EOF {
				break
			}
			t.Fatalf("rendered manifests: %v", err)
		}
		rendered[doc.Kind+"/"+doc.Metadata.Name] = true
	}
	for _, w := range r.Waits {
		switch {
		case w.Kind == "TridentOrchestrator" && rendered["TridentOrchestrator/trident"]:
		case w.Hook && rendered[w.Kind+"/"+w.Name]:
		case w.Hook:
			t.Errorf("hook %s %s is not rendered", w.Kind, w.Name)
		case !rendered[w.Kind+"/"+w.Name]:
			t.Errorf("rendered chart has no %s %s", w.Kind, w.Name)
		}
	}
	// Nulled chart-default annotations must be gone from the Ingress.
	if exp, ok := r.Values["expose"].(map[string]any); ok {
		ann, _ := exp["ingress"].(map[string]any)["annotations"].(map[string]any)
		for k, v := range ann {
			if v == nil && strings.Contains(manifests, "\n    "+k+":") {
				t.Errorf("nulled annotation %s is still rendered", k)
			}
		}
	}
	for _, bad := range []string{"notary", "chartmuseum"} {
		if strings.Contains(strings.ToLower(manifests), bad) {
			t.Errorf("rendered %s mentions %s", r.Name, bad)
		}
	}
	checkIssue10Rendered(t, r, manifests)
}

// checkIssue10Rendered checks that the chart turns the values that keep
// upgrades, trust and drains safe into the objects meant.
func checkIssue10Rendered(t *testing.T, r Release, manifests string) {
	t.Helper()
	want := func(what, s string) {
		if !strings.Contains(manifests, s) {
			t.Errorf("%s: rendered manifests lack %q (%s)", r.Name, s, what)
		}
	}
	str := func(path string) string { s, _ := valueAt(r.Values, path).(string); return s }
	switch r.Chart.Name {
	case "harbor":
		want("core.secretName mounted", "secretName: "+str("core.secretName"))
		if b := str("caBundleSecretName"); b != "" {
			want("caBundleSecretName mounted", "secretName: "+b)
		}
		if str("updateStrategy.type") == "Recreate" {
			want("registry and jobservice recreated", "type: Recreate")
		}
		if ann, ok := valueAt(r.Values, "database.podAnnotations").(map[string]any); ok {
			for k := range ann {
				want("database pod annotation", k+":")
			}
		}
		if strings.Contains(manifests, "Y2hhbmdlaXQ=") || strings.Contains(manifests, "changeit") {
			t.Errorf("%s: the chart's default database password changeit is rendered", r.Name)
		}
	case "minio":
		if n, ok := valueAt(r.Values, "podDisruptionBudget.maxUnavailable").(int); ok {
			want("MinIO budget", fmt.Sprintf("maxUnavailable: %d", n))
		}
		if n, ok := valueAt(r.Values, "pdb.maxUnavailable").(int); ok {
			want("MinIO budget", fmt.Sprintf("maxUnavailable: %d", n))
		}
		if n, ok := valueAt(r.Values, "pdb.minAvailable").(int); ok {
			want("MinIO budget", fmt.Sprintf("minAvailable: %d", n))
		}
	}
}
