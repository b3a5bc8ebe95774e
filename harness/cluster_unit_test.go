package harness

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/modfile"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"sigs.k8s.io/yaml"
)

func TestKwokStagesFilled(t *testing.T) {
	s := kwokStages(ClusterOptions{PodReadyDelay: 3 * time.Second, PodJitter: 500 * time.Millisecond})
	if strings.Contains(s, "${") {
		t.Fatalf("unfilled placeholder in stages")
	}
	if !strings.Contains(s, "durationMilliseconds: 3000\n") || !strings.Contains(s, "jitterDurationMilliseconds: 3500\n") {
		t.Errorf("ready delay not filled in")
	}
	names := map[string]bool{}
	for _, doc := range strings.Split(s, "\n---\n") {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
			t.Fatalf("stage YAML: %v\n%s", err, doc)
		}
		if md, ok := m["metadata"].(map[string]any); ok {
			names[md["name"].(string)] = true
		}
	}
	for _, want := range []string{"node-initialize", "pod-start", "pod-ready", "pod-complete", "pod-image-pull-failure", "pod-image-pull-backoff", "pod-crash-loop", "pod-job-failed", "pod-delete"} {
		if !names[want] {
			t.Errorf("stage %s missing", want)
		}
	}
}

func TestAccessModesOf(t *testing.T) {
	class := func(prov, backend string) *storagev1.StorageClass {
		return &storagev1.StorageClass{Provisioner: prov, Parameters: map[string]string{"backendType": backend}}
	}
	has := func(modes []corev1.PersistentVolumeAccessMode, m corev1.PersistentVolumeAccessMode) bool {
		return containsMode(modes, m)
	}
	if m, ok := AccessModesOf(class(TridentProvisioner, "ontap-nas")); !ok || !has(m, corev1.ReadWriteMany) {
		t.Errorf("ontap-nas: %v %v, want RWX", m, ok)
	}
	if m, ok := AccessModesOf(class(TridentProvisioner, "ontap-san")); !ok || has(m, corev1.ReadWriteMany) {
		t.Errorf("ontap-san: %v %v, want no RWX", m, ok)
	}
	if m, ok := AccessModesOf(class(EBSProvisioner, "")); !ok || has(m, corev1.ReadWriteMany) || !has(m, corev1.ReadWriteOnce) {
		t.Errorf("ebs: %v %v, want RWO only", m, ok)
	}
	if _, ok := AccessModesOf(class("example.com/other", "")); ok {
		t.Errorf("unknown provisioner handled")
	}
}

func TestChartRepoServesTestCharts(t *testing.T) {
	r := NewTestChartRepo(t, "")
	want := map[string]string{"harbor": "1.19.1", "minio": "5.4.0", "trident-operator": "100.2606.0", "velero": "12.1.0"}
	for name, v := range want {
		if got := r.Charts[name]; len(got) != 1 || got[0] != v {
			t.Errorf("chart %s versions %v, want %s", name, got, v)
		}
	}
	resp, err := http.Get(r.URL + "/index.yaml")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var idx struct {
		Entries map[string][]struct {
			Version     string   `json:"version"`
			Description string   `json:"description"`
			URLs        []string `json:"urls"`
		} `json:"entries"`
	}
	if err := yaml.Unmarshal(body, &idx); err != nil {
		t.Fatal(err)
	}
	for name, v := range want {
		e := idx.Entries[name]
		if len(e) != 1 || e[0].Version != v || !strings.Contains(strings.ToLower(e[0].Description), "test chart") {
			t.Errorf("index entry %s = %+v", name, e)
			continue
		}
		resp, err := http.Get(e[0].URLs[0])
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("get %s: %v %v", e[0].URLs[0], err, resp)
		}
		if resp != nil {
			resp.Body.Close()
		}
	}
	// The OCI registry answers the distribution API for each chart's tag.
	for name, v := range want {
		u := "http://" + r.regHost + "/v2/charts/" + name + "/manifests/" + v
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodHead, u, nil)
		req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("OCI manifest %s: %v %v", u, err, resp)
		}
		if resp != nil {
			resp.Body.Close()
		}
	}
}

// The cluster looks for binaries named after KubeVersion, KwokVersion and
// EtcdVersion, and build-tools.sh names them after hack/testworld/go.mod: the
// two must agree.
func TestVersionsMatchTestworldModule(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "hack", "testworld", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := modfile.ParseLax("go.mod", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"k8s.io/kubernetes": KubeVersion, "sigs.k8s.io/kwok": KwokVersion, "go.etcd.io/etcd/server/v3": EtcdVersion}
	for _, r := range f.Require {
		if v, ok := want[r.Mod.Path]; ok {
			if r.Mod.Version != v {
				t.Errorf("hack/testworld/go.mod requires %s %s, harness expects %s", r.Mod.Path, r.Mod.Version, v)
			}
			delete(want, r.Mod.Path)
		}
	}
	for m := range want {
		t.Errorf("hack/testworld/go.mod does not require %s", m)
	}
}
