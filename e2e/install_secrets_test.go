//go:build e2e

package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/harness"
	"github.com/harbor-installer/harbor-installer/render"
)

// secretValue is one value to search for, with the releases whose chart
// may store it (plan.yaml's chartCopies).
type secretValue struct {
	what    string
	value   string
	allowed map[string]bool // "namespace/release"
}

// collectSecrets reads back the values of the plan's installer Secrets
// that are secret (supplied through env:/file: references, generated, key
// pair private keys, and templates over them) after an install, and notes
// the chart copies plan.yaml declares.
func (w *installWorld) collectSecrets(t *testing.T, opts answers.Options) {
	t.Helper()
	l, err := answers.Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := render.Build(&l.Answers)
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]map[string]bool{}
	for _, cc := range plan.ChartCopies {
		id := cc.Secret + "#" + cc.Key
		if allowed[id] == nil {
			allowed[id] = map[string]bool{}
		}
		ns := ""
		if r := plan.Release(cc.Release); r != nil {
			ns = r.Namespace
		}
		allowed[id][ns+"/"+cc.Release] = true
	}
	ctx := context.Background()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.values == nil {
		w.values = map[string]*secretValue{}
	}
	for what, v := range w.secrets {
		w.values[v] = &secretValue{what: "supplied " + what, value: v, allowed: map[string]bool{}}
	}
	for _, s := range plan.Secrets {
		sec, err := w.cluster.Client.CoreV1().Secrets(s.Namespace).Get(ctx, s.Name, metav1.GetOptions{})
		if err != nil {
			t.Errorf("installer Secret %s/%s: %v", s.Namespace, s.Name, err)
			continue
		}
		for _, k := range s.Keys {
			switch k.From.Kind {
			case render.FromValue, render.FromFile:
				continue // plain values and certificates
			case render.FromKeyPair:
				if k.From.Part != "key" {
					continue // the certificate is public
				}
			}
			v := string(sec.Data[k.Key])
			if len(strings.TrimSpace(v)) < 6 {
				continue
			}
			id := s.Namespace + "/" + s.Name + "#" + k.Key
			sv := w.values[v]
			if sv == nil {
				sv = &secretValue{what: id + " (" + k.From.Kind + ")", value: v, allowed: map[string]bool{}}
				w.values[v] = sv
			}
			for r := range allowed[id] {
				sv.allowed[r] = true
			}
		}
	}
}

// searchSecrets looks for every collected value, as is and base64-encoded
// (as a Secret in a manifest holds it), in every Helm release record of the
// cluster, every support bundle, and every run's stdout (the JSON events)
// and stderr.
func (w *installWorld) searchSecrets(t *testing.T) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.values) < 5 {
		t.Fatalf("only %d secret values collected: the search would prove little", len(w.values))
	}
	leaks := func(text, release string) []string {
		var out []string
		for _, sv := range w.values {
			if sv.allowed[release] {
				continue
			}
			b64 := base64.StdEncoding.EncodeToString([]byte(sv.value))
			if strings.Contains(text, sv.value) || strings.Contains(text, b64) {
				out = append(out, sv.what)
			}
		}
		return out
	}
	find := func(where, text, release string) {
		for _, what := range leaks(text, release) {
			t.Errorf("%s holds the value of %s", where, what)
		}
	}
	// The search itself finds a value, plain or base64-encoded.
	for _, sv := range w.values {
		planted := "data:\n  k: " + base64.StdEncoding.EncodeToString([]byte(sv.value)) + "\n"
		if len(leaks(planted, "")) == 0 || len(leaks("x"+sv.value+"x", "")) == 0 {
			t.Fatalf("the search misses a planted value of %s", sv.what)
		}
		break
	}
	recs, err := helmRecords(context.Background(), w.cluster, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) < 10 {
		t.Errorf("only %d Helm release records found", len(recs))
	}
	for _, r := range recs {
		find(fmt.Sprintf("Helm release record %s/%s v%d", r.Namespace, r.Name, r.Version), strings.Join(r.strings, "\n"), r.Namespace+"/"+r.Name)
	}
	if len(w.bundles) == 0 {
		t.Errorf("no support bundle was written to search")
	}
	for _, b := range w.bundles {
		data, err := os.ReadFile(b)
		if err != nil {
			t.Errorf("bundle: %v", err)
			continue
		}
		find("support bundle "+b, string(data), "")
	}
	for i, tr := range w.transcripts {
		find(fmt.Sprintf("run output #%d", i), tr, "")
	}
	t.Logf("searched %d values in %d release records, %d bundles and %d outputs", len(w.values), len(recs), len(w.bundles), len(w.transcripts))
}

// helmRecord is a decoded sh.helm.release.v1 Secret: its name, version and
// status, and every string in it (manifest, values, hooks, notes).
type helmRecord struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	Version   int    `json:"version"`
	Info      struct {
		Status string `json:"status"`
	} `json:"info"`
	strings []string
}

// helmRecords decodes Helm's release Secrets (base64, then gzip, then
// JSON) in namespace ("" for all).
func helmRecords(ctx context.Context, c *harness.Cluster, namespace string) ([]helmRecord, error) {
	list, err := c.Client.CoreV1().Secrets(namespace).List(ctx, metav1.ListOptions{LabelSelector: "owner=helm"})
	if err != nil {
		return nil, err
	}
	var out []helmRecord
	for _, s := range list.Items {
		if !strings.HasPrefix(s.Name, "sh.helm.release.v1.") {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(string(s.Data["release"]))
		if err != nil {
			return nil, fmt.Errorf("%s/%s: %w", s.Namespace, s.Name, err)
		}
		if bytes.HasPrefix(raw, []byte{0x1f, 0x8b}) {
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err != nil {
				return nil, err
			}
			if raw, err = io.ReadAll(zr); err != nil {
				return nil, err
			}
		}
		var r helmRecord
		if err := json.Unmarshal(raw, &r); err != nil {
			return nil, fmt.Errorf("%s/%s: %w", s.Namespace, s.Name, err)
		}
		var tree any
		if err := json.Unmarshal(raw, &tree); err != nil {
			return nil, err
		}
		r.strings = allStrings(tree, nil)
		out = append(out, r)
	}
	return out, nil
}

// allStrings collects every string (keys too) of a JSON tree.
func allStrings(v any, out []string) []string {
	switch t := v.(type) {
	case string:
		out = append(out, t)
	case map[string]any:
		for k, e := range t {
			out = append(out, k)
			out = allStrings(e, out)
		}
	case []any:
		for _, e := range t {
			out = allStrings(e, out)
		}
	}
	return out
}
