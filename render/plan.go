// Package render turns answers into a Plan: the Helm releases to install in
// order (chart, version, namespace, values, what to wait on), the Secrets the
// installer creates before them and the plain Kubernetes objects it applies
// between them. Everything here is a pure function of the answers: no cluster,
// no files read, and never a secret value — secrets appear only as references
// (an answer's env:/file: reference, "generated", or a template over those),
// which the install engine resolves when it creates the Secrets.
//
// Values follow the pinned charts exactly (see /work/shared/guide/charts.md);
// render/testdata/chartkeys lists every key path each pinned chart accepts
// (list items as path[].key), and the tests check every rendered path
// against it, and that the stand-in charts in testcharts/ read each one at
// the same path.
//
// # Checking renders against the real charts
//
// TestHelmTemplateUpstream runs `helm template` of every golden values file
// against the upstream charts when HARBOR_INSTALLER_UPSTREAM_CHARTS names a
// directory holding the unpacked charts at their pinned versions:
//
//	$DIR/harbor            goharbor/harbor-helm, tag v1.19.1
//	$DIR/minio-official    minio/minio helm/minio at the "update helm release v5.4.0" commit
//	$DIR/minio-bitnami     bitnami/charts bitnami/minio at version 17.0.23, with
//	                       bitnami/common unpacked as charts/common
//	$DIR/velero            vmware-tanzu/helm-charts charts/velero, tag velero-12.1.0
//	$DIR/trident-operator  NetApp/trident helm/trident-operator, tag v26.06.0
//
// (e.g. `git archive` of those trees, or `helm pull --untar` of the chart
// versions). The helm binary is found via HELM (path), else
// ~/.cache/harbor-installer/bin/helm-v3.22.0 (hack/build-tools.sh helm), else
// PATH. With the same variable set, `go test ./render -run TestChartKeys
// -update-chartkeys` regenerates testdata/chartkeys from those charts.
package render

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/harbor-installer/harbor-installer/answers"
	"gopkg.in/yaml.v3"
)

// Plan is everything the installer does, in order: create Namespaces, create
// Secrets, then install each Release in order, applying each Object right
// after the release it names in After (before the next release).
type Plan struct {
	Namespaces []string  `yaml:"namespaces"`
	Secrets    []Secret  `yaml:"secrets"`
	Releases   []Release `yaml:"releases"`
	Objects    []Object  `yaml:"objects,omitempty"`
	// ChartCopies lists where a chart itself copies a secret value into an
	// object we cannot keep it out of (a ConfigMap, its own Secret, and so
	// the Helm release record). Nothing else may hold a secret value.
	ChartCopies []ChartCopy `yaml:"chartCopies,omitempty"`
}

// ChartCopy says that a chart stores a secret value itself.
type ChartCopy struct {
	// Release is the release whose chart makes the copy.
	Release string `yaml:"release"`
	// Secret (namespace/name) and Key name the installer Secret key copied.
	Secret string `yaml:"secret"`
	Key    string `yaml:"key"`
	// Into names the objects the value lands in, e.g. "ConfigMap harbor-core".
	Into []string `yaml:"into"`
	// Why explains why no chart value avoids it.
	Why string `yaml:"why"`
}

// Release is one Helm release.
type Release struct {
	Name      string        `yaml:"name"`
	Namespace string        `yaml:"namespace"`
	Chart     answers.Chart `yaml:"chart"`
	// Values are the chart values; they hold no secret values.
	Values map[string]any `yaml:"-"`
	// ValuesFile is the file WriteDir writes Values to.
	ValuesFile string `yaml:"valuesFile"`
	// Waits are the workloads and resources that must be ready before the
	// release counts as installed, beyond what Helm itself waits for.
	Waits []Wait `yaml:"waits"`
	// Needs names the releases that must be ready (with the objects applied
	// after them) before this one starts: the install runs releases as a
	// dependency graph, and releases with no path between them side by side.
	Needs []string `yaml:"needs,omitempty"`
	// SecretRollouts name the pod annotation maps in Values that the engine
	// stamps with the revisions of installer Secrets, so that a changed
	// Secret rolls the pods that read it, and an unchanged one rolls nothing.
	SecretRollouts []SecretRollout `yaml:"secretRollouts,omitempty"`
	// FileValues are values the engine reads from files at install time
	// and sets in Values before it installs (see FileValue).
	FileValues []FileValue `yaml:"fileValues,omitempty"`
}

// FileValue is a value that comes from a file named by a non-secret answer
// (a CA certificate) and must sit inside a chart value or an object field
// itself, not in a Secret the object refers to: Velero's
// configuration.backupStorageLocation[].caCert and Trident's
// spec.trustedCACertificate take the certificate. Render reads no files, so
// the engine reads File when it installs, encodes it, and sets it at Path,
// where the values or content already hold an empty string. Certificates
// are public; a FileValue never carries a secret.
type FileValue struct {
	// Path is the dotted path in the release's values or the object's
	// content; a number selects a list item, e.g.
	// configuration.backupStorageLocation.0.caCert.
	Path string `yaml:"path"`
	// Answer names the answer that gave File.
	Answer string `yaml:"answer"`
	File   string `yaml:"file"`
	// Encoding is EncodingBase64 (standard base64 of the file's bytes).
	Encoding string `yaml:"encoding"`
}

// EncodingBase64 is standard base64 of a FileValue's file.
const EncodingBase64 = "base64"

// SecretRollout ties a pod annotation map in a release's values to the
// installer Secrets its pods read.
type SecretRollout struct {
	// Path is the dotted values path of a podAnnotations map, e.g.
	// core.podAnnotations.
	Path string `yaml:"path"`
	// Secrets are namespace/name of installer Secrets (Plan.Secrets).
	Secrets []string `yaml:"secrets"`
}

// Wait is one object to watch. Workloads (Deployment, StatefulSet,
// DaemonSet) are ready when rolled out; a Job when complete (Hook jobs are
// deleted by Helm on success, so their absence after the release also counts);
// any other kind when every Ready match holds, and failed when any Failed
// match holds.
type Wait struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Name       string `yaml:"name"`
	// Namespace is empty for cluster-scoped objects.
	Namespace string `yaml:"namespace,omitempty"`
	// Hook marks a Helm hook Job.
	Hook   bool         `yaml:"hook,omitempty"`
	Ready  []FieldMatch `yaml:"ready,omitempty"`
	Failed []FieldMatch `yaml:"failed,omitempty"`
}

// FieldMatch says a field (a dotted path such as .status.phase) has a value.
type FieldMatch struct {
	Path  string `yaml:"path"`
	Value string `yaml:"value"`
}

// Secret is a Kubernetes Secret the installer creates before the releases.
type Secret struct {
	Name      string `yaml:"name"`
	Namespace string `yaml:"namespace"`
	Type      string `yaml:"type"`
	// Purpose says which chart value or object uses it.
	Purpose string      `yaml:"purpose"`
	Keys    []SecretKey `yaml:"keys"`
	// AdoptedBy names a release whose chart renders a Secret of this name
	// itself and reads it back by lookup (Harbor's internal database
	// password): the installer creates it first with Helm's ownership
	// labels and annotations, so that Helm adopts it and the chart keeps
	// its value instead of a default.
	AdoptedBy string `yaml:"adoptedBy,omitempty"`
}

// SecretKey is one data key of a Secret and where its value comes from.
type SecretKey struct {
	Key  string `yaml:"key"`
	From Source `yaml:"from"`
}

// Source kinds.
const (
	// FromAnswer reads a secret answer's reference (env:NAME, file:PATH).
	FromAnswer = "answer"
	// FromGenerated generates a random value once; the installer reuses the
	// value already in the cluster's Secret on later runs, so upgrades never
	// rotate it. Answer, when set, names the answer that would supply it.
	FromGenerated = "generated"
	// FromValue is a plain, non-secret value (a user name, say).
	FromValue = "value"
	// FromFile reads a file named by a non-secret answer (a certificate).
	FromFile = "file"
	// FromSecretKey copies a key of a Secret earlier in Plan.Secrets.
	FromSecretKey = "secretKey"
	// FromTemplate executes Template (text/template, see install.ExecTemplate) over
	// Inputs, each resolved first.
	FromTemplate = "template"
	// FromKeyPair is one half of a key pair generated once per Secret and
	// kept across runs: Part "key" (PEM private key) or "cert" (PEM
	// self-signed certificate for CommonName). Harbor's core token signing
	// pair uses it, so an upgrade does not log everyone out.
	FromKeyPair = "keyPair"
)

// Charsets for generated values.
const (
	CharsetAlphanumeric = "alphanumeric"
)

// Source says where a secret value comes from; it never holds the value.
type Source struct {
	Kind string `yaml:"kind"`
	// Answer is the answer key (FromAnswer, FromFile, FromValue, and
	// FromGenerated when an answer could have supplied it).
	Answer string `yaml:"answer,omitempty"`
	// Ref is the answer's reference as written (env:NAME, file:PATH); a
	// literal secret shows as "<literal secret>".
	Ref string `yaml:"ref,omitempty"`
	// SecretRef is the reference to resolve (FromAnswer); never written.
	SecretRef answers.SecretRef `yaml:"-"`
	// Path is the file to read (FromFile).
	Path string `yaml:"path,omitempty"`
	// Value is the plain value (FromValue): never a secret.
	Value string `yaml:"value,omitempty"`
	// Length and Charset shape a generated value.
	Length  int    `yaml:"length,omitempty"`
	Charset string `yaml:"charset,omitempty"`
	// Secret (namespace/name) and Key name the copied key (FromSecretKey).
	Secret string `yaml:"secret,omitempty"`
	Key    string `yaml:"key,omitempty"`
	// Template and Inputs build a value from several (FromTemplate).
	Template string            `yaml:"template,omitempty"`
	Inputs   map[string]Source `yaml:"inputs,omitempty"`
	// Part and CommonName shape a key pair half (FromKeyPair).
	Part       string `yaml:"part,omitempty"`
	CommonName string `yaml:"commonName,omitempty"`
}

// Object is a non-Helm Kubernetes object the installer applies after the
// release named in After. Content holds the object's fields besides
// apiVersion, kind and metadata (spec, or provisioner/parameters for a
// StorageClass); secrets in it are only Secret names.
type Object struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Name       string `yaml:"name"`
	// Namespace is empty for cluster-scoped objects.
	Namespace string         `yaml:"namespace,omitempty"`
	After     string         `yaml:"after"`
	Content   map[string]any `yaml:"content"`
	// Ready and Failed are as in Wait; empty means ready once applied.
	Ready  []FieldMatch `yaml:"ready,omitempty"`
	Failed []FieldMatch `yaml:"failed,omitempty"`
	// FileValues are set in Content by the engine before it applies the
	// object (see FileValue).
	FileValues []FileValue `yaml:"fileValues,omitempty"`
}

// Build renders the plan for a. It fails, naming the answer key, when the
// answers make a working install impossible to render.
func Build(a *answers.Answers) (*Plan, error) {
	if a == nil {
		return nil, fmt.Errorf("render: no answers")
	}
	if strings.TrimSpace(a.Harbor.Domain) == "" {
		return nil, fmt.Errorf("render: harbor.domain: empty — set the DNS name users push to, e.g. registry.example.org")
	}
	p := &Plan{}
	if a.Storage.Provider == "trident" && a.Storage.Trident.Install {
		if err := addTrident(p, a); err != nil {
			return nil, fmt.Errorf("render trident: %w", err)
		}
	}
	if a.MinIO.Enabled {
		if err := addMinIO(p, a); err != nil {
			return nil, fmt.Errorf("render minio: %w", err)
		}
	}
	if err := addHarbor(p, a); err != nil {
		return nil, fmt.Errorf("render harbor: %w", err)
	}
	if a.Backup.Enabled {
		if err := addVelero(p, a); err != nil {
			return nil, fmt.Errorf("render velero: %w", err)
		}
	}
	addNeeds(p, a)
	seen := map[string]bool{}
	for _, r := range p.Releases {
		seen[r.Namespace] = true
	}
	for _, s := range p.Secrets {
		seen[s.Namespace] = true
	}
	for ns := range seen {
		p.Namespaces = append(p.Namespaces, ns)
	}
	sort.Strings(p.Namespaces)
	for i := range p.Secrets {
		sort.Slice(p.Secrets[i].Keys, func(x, y int) bool { return p.Secrets[i].Keys[x].Key < p.Secrets[i].Keys[y].Key })
	}
	return p, nil
}

// addNeeds draws the plan's dependency edges: the StorageClass that
// Trident's release brings (with its backend, applied after it) must exist
// before any release that claims volumes of it, and Velero's backup location
// lives in MinIO. Harbor does not wait for MinIO: its registry retries the
// bucket until MinIO answers, so the two install side by side.
func addNeeds(p *Plan, a *answers.Answers) {
	trident := ""
	if a.Storage.Provider == "trident" && a.Storage.Trident.Install {
		trident = tridentRelease
	}
	for i := range p.Releases {
		r := &p.Releases[i]
		switch r.Name {
		case trident:
			continue
		case veleroRelease:
			if a.MinIO.Enabled {
				r.Needs = append(r.Needs, a.MinIO.ReleaseName)
			}
		default:
			if trident != "" {
				r.Needs = append(r.Needs, trident)
			}
		}
	}
}

// Release returns the release named name, or nil.
func (p *Plan) Release(name string) *Release {
	for i := range p.Releases {
		if p.Releases[i].Name == name {
			return &p.Releases[i]
		}
	}
	return nil
}

func (p *Plan) addRelease(r Release) {
	r.ValuesFile = r.Name + ".values.yaml"
	p.Releases = append(p.Releases, r)
}

// ValuesYAML is the release's values as YAML, keys sorted.
func (r *Release) ValuesYAML() ([]byte, error) {
	return marshalYAML(r.Values)
}

// YAML is plan.yaml's content.
func (p *Plan) YAML() ([]byte, error) {
	return marshalYAML(p)
}

func marshalYAML(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// WriteDir writes plan.yaml and <release>.values.yaml for every release into
// dir (created if missing). The files hold no secret values, so they are
// 0644. All files are first written to a temporary directory inside dir and
// only then renamed into place, so a failure leaves no half-written set.
func (p *Plan) WriteDir(dir string) (err error) {
	files := map[string][]byte{}
	planYAML, err := p.YAML()
	if err != nil {
		return fmt.Errorf("write plan: marshal plan.yaml: %w", err)
	}
	files["plan.yaml"] = planYAML
	for i := range p.Releases {
		r := &p.Releases[i]
		b, err := r.ValuesYAML()
		if err != nil {
			return fmt.Errorf("write plan: marshal %s values: %w", r.Name, err)
		}
		files[r.ValuesFile] = b
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	tmp, err := os.MkdirTemp(dir, ".plan-")
	if err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	defer os.RemoveAll(tmp)
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		f := filepath.Join(tmp, name)
		if err := os.WriteFile(f, files[name], 0o644); err != nil {
			return fmt.Errorf("write plan: %w", err)
		}
		if err := os.Chmod(f, 0o644); err != nil { // umask may narrow WriteFile's mode
			return fmt.Errorf("write plan: %w", err)
		}
	}
	for _, name := range names {
		if err := os.Rename(filepath.Join(tmp, name), filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("write plan: %w", err)
		}
	}
	return nil
}

// answerSource is the source of a secret answer: its reference, or a
// generated value when it is empty and generate is true.
func answerSource(key string, ref answers.SecretRef, generate bool, length int) Source {
	if ref.Kind() == answers.SecretEmpty && generate {
		return Source{Kind: FromGenerated, Answer: key, Length: length, Charset: CharsetAlphanumeric}
	}
	return Source{Kind: FromAnswer, Answer: key, Ref: ref.String(), SecretRef: ref}
}

func generated(length int) Source {
	return Source{Kind: FromGenerated, Length: length, Charset: CharsetAlphanumeric}
}

func plain(key, value string) Source {
	return Source{Kind: FromValue, Answer: key, Value: value}
}

func fromSecret(ns, name, key string) Source {
	return Source{Kind: FromSecretKey, Secret: ns + "/" + name, Key: key}
}
