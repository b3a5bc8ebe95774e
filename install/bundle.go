package install

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/harbor-installer/harbor-installer/kube/model"
)

// bundle is the support bundle a failed run writes: what happened, the
// releases' Helm states, and each namespace's events, pod statuses and the
// last log lines of failing containers. Secret values are redacted.
type bundle struct {
	Created  time.Time             `json:"created"`
	Cause    string                `json:"cause"`
	Events   []Event               `json:"events"`
	Releases []*model.ReleaseState `json:"releases"`
	Evidence []*model.Evidence     `json:"evidence"`
	// Errors are what could not be gathered.
	Errors []string `json:"errors,omitempty"`
}

// writeBundle gathers evidence and writes the bundle 0600 into BundleDir.
func (r *run) writeBundle(ctx context.Context, cause string) (string, error) {
	r.mu.Lock()
	b := bundle{Created: r.now().UTC(), Cause: cause, Events: append([]Event(nil), r.events...)}
	r.mu.Unlock()
	for _, rel := range r.plan.Releases {
		st, err := r.e.b.State(ctx, rel.Namespace, rel.Name)
		if err != nil {
			b.Errors = append(b.Errors, fmt.Sprintf("release %s: %v", rel.Name, err))
			continue
		}
		b.Releases = append(b.Releases, st)
	}
	for _, ns := range r.plan.Namespaces {
		ev, err := r.e.b.Evidence(ctx, ns)
		if err != nil {
			b.Errors = append(b.Errors, fmt.Sprintf("namespace %s: %v", ns, err))
			continue
		}
		b.Evidence = append(b.Evidence, ev)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(b); err != nil {
		return "", fmt.Errorf("encode support bundle: %w", err)
	}
	data := []byte(r.redact.String(buf.String()))
	dir := r.e.o.BundleDir
	if dir == "" {
		dir = os.TempDir()
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("support bundle: %w", err)
	}
	f, err := os.CreateTemp(dir, "harbor-installer-failure-"+b.Created.Format("20060102-150405")+"-*.json")
	if err != nil {
		return "", fmt.Errorf("support bundle: %w", err)
	}
	path := f.Name()
	// CreateTemp makes the file 0600 already; say so explicitly, since the
	// bundle may quote what a chart stores.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return "", fmt.Errorf("support bundle: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return "", fmt.Errorf("support bundle: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("support bundle: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	return abs, nil
}
