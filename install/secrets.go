package install

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"os"
	"sort"
	"strconv"

	"github.com/harbor-installer/harbor-installer/kube/model"
	"github.com/harbor-installer/harbor-installer/render"
)

// Labels and annotations the engine puts on its Secrets.
const (
	// LabelManaged marks a Secret as the installer's (uninstall keeps these
	// unless --purge, and status lists them).
	LabelManaged = "harbor-installer.io/managed"
	// AnnotationRevision counts the changes of a Secret's data: it is bumped
	// only when the data changes, and SecretRollouts copy it into the pod
	// annotations of the pods that read the Secret, so exactly those roll.
	AnnotationRevision = "harbor-installer.io/revision"
	// Helm's ownership metadata: a Secret carrying them for a release is
	// adopted by that release's install instead of refused as a conflict.
	helmManagedByLabel    = "app.kubernetes.io/managed-by"
	helmReleaseName       = "meta.helm.sh/release-name"
	helmReleaseNamespace  = "meta.helm.sh/release-namespace"
	defaultGeneratedChars = 32
)

// SecretChange is what a run does to an installer Secret.
type SecretChange string

// Secret changes; they map to the secret.created/reused/updated events.
const (
	SecretNew       SecretChange = "created"
	SecretUnchanged SecretChange = "reused"
	SecretChanged   SecretChange = "updated"
)

// ResolvedSecret is one plan Secret with every key resolved. Spec.Data holds
// the values: never log, print or put it in an error.
type ResolvedSecret struct {
	// ID is namespace/name.
	ID   string
	Spec model.SecretSpec
	// Change says whether the data is new, the same as in the cluster, or
	// different; Revision is the revision annotation the Secret carries
	// after this run.
	Change   SecretChange
	Revision int
	// Adopted: Helm already owns the Secret (Secret.AdoptedBy); its values
	// were read back and the engine does not apply it again.
	Adopted bool
	// apply says the Secret must be applied (new or changed data, or our
	// labels and annotations missing).
	apply bool
}

// Resolved is every Secret a run creates or reuses, with their values.
type Resolved struct {
	Secrets []ResolvedSecret
	// sensitive holds every secret value the run uses, template inputs on
	// their own included, for redaction and leak tests.
	sensitive map[string]bool
}

// Values returns every secret value the run would use (answers read from
// env: and file: references, generated values, key pairs, template outputs
// and their inputs), longest first. Tests search written files for them;
// the engine redacts them from support bundles and events.
func (r *Resolved) Values() []string {
	if r == nil {
		return nil
	}
	out := make([]string, 0, len(r.sensitive))
	for v := range r.sensitive {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool {
		if len(out[i]) != len(out[j]) {
			return len(out[i]) > len(out[j])
		}
		return out[i] < out[j]
	})
	return out
}

// Revisions maps namespace/name of every Secret to its revision after the
// run, for SecretRollouts.
func (r *Resolved) Revisions() map[string]int {
	m := map[string]int{}
	if r == nil {
		return m
	}
	for _, s := range r.Secrets {
		m[s.ID] = s.Revision
	}
	return m
}

// ResolveSecrets resolves every key of the plan's Secrets against what the
// cluster holds, without changing anything: answer references are read,
// generated values and key pairs already in the cluster are reused (created
// only when missing, never rotated), copies and templates are computed. It
// is what Run applies, and lets tests learn every value a run would use.
func ResolveSecrets(ctx context.Context, c Cluster, plan *render.Plan) (*Resolved, error) {
	rs := &resolver{
		ctx:       ctx,
		c:         c,
		plan:      map[string]*render.Secret{},
		existing:  map[string]*model.SecretState{},
		values:    map[string]map[string]string{},
		busy:      map[string]bool{},
		pairs:     map[string]*keyPair{},
		sensitive: map[string]bool{},
	}
	for i := range plan.Secrets {
		s := &plan.Secrets[i]
		id := s.Namespace + "/" + s.Name
		if rs.plan[id] != nil {
			return nil, fmt.Errorf("secret %s: listed twice in the plan", id)
		}
		rs.plan[id] = s
	}
	out := &Resolved{sensitive: rs.sensitive}
	for i := range plan.Secrets {
		s := &plan.Secrets[i]
		id := s.Namespace + "/" + s.Name
		ex, err := rs.load(id)
		if err != nil {
			return nil, err
		}
		data := map[string][]byte{}
		for _, k := range s.Keys {
			v, err := rs.key(id, k.Key)
			if err != nil {
				return nil, err
			}
			data[k.Key] = []byte(v)
		}
		out.Secrets = append(out.Secrets, decide(s, id, ex, data))
	}
	return out, nil
}

// decide compares resolved data with the cluster's Secret: the revision is
// bumped only when the data changes.
func decide(s *render.Secret, id string, ex *model.SecretState, data map[string][]byte) ResolvedSecret {
	typ := s.Type
	if typ == "" {
		typ = "Opaque"
	}
	rsec := ResolvedSecret{ID: id, Spec: model.SecretSpec{
		Namespace: s.Namespace, Name: s.Name, Type: typ, Data: data,
		Labels:      map[string]string{LabelManaged: "true"},
		Annotations: map[string]string{},
	}}
	if s.AdoptedBy != "" {
		rsec.Spec.Labels[helmManagedByLabel] = "Helm"
		rsec.Spec.Annotations[helmReleaseName] = s.AdoptedBy
		rsec.Spec.Annotations[helmReleaseNamespace] = s.Namespace
	}
	if ex == nil {
		rsec.Change, rsec.Revision, rsec.apply = SecretNew, 1, true
	} else {
		rev, _ := strconv.Atoi(ex.Annotations[AnnotationRevision])
		same := true
		for k, v := range data {
			if !bytes.Equal(ex.Data[k], v) {
				same = false
			}
		}
		switch {
		case same && rev > 0:
			rsec.Change, rsec.Revision = SecretUnchanged, rev
		case same:
			// A Secret someone made before us: same data, our metadata
			// goes on without a change of revision for pods to notice.
			rsec.Change, rsec.Revision, rsec.apply = SecretUnchanged, 1, true
		default:
			rsec.Change, rsec.Revision, rsec.apply = SecretChanged, rev+1, true
		}
		rsec.Adopted = adopted(s, ex)
		for k, v := range rsec.Spec.Labels {
			if ex.Labels[k] != v && !rsec.Adopted {
				rsec.apply = true
			}
		}
		for k, v := range rsec.Spec.Annotations {
			if ex.Annotations[k] != v && !rsec.Adopted {
				rsec.apply = true
			}
		}
		if rsec.Adopted && rsec.Change == SecretUnchanged {
			rsec.apply = false
		}
	}
	rsec.Spec.Annotations[AnnotationRevision] = strconv.Itoa(rsec.Revision)
	return rsec
}

// adopted reports that Helm owns the Secret for the release that adopts it:
// from then on the chart keeps its value and the engine reads it back.
func adopted(s *render.Secret, ex *model.SecretState) bool {
	return s.AdoptedBy != "" && ex != nil &&
		ex.Labels[helmManagedByLabel] == "Helm" && ex.Annotations[helmReleaseName] == s.AdoptedBy
}

type resolver struct {
	ctx       context.Context
	c         Cluster
	plan      map[string]*render.Secret
	existing  map[string]*model.SecretState // nil value: read, not found
	values    map[string]map[string]string
	busy      map[string]bool
	pairs     map[string]*keyPair
	sensitive map[string]bool
}

// load reads a Secret from the cluster once.
func (rs *resolver) load(id string) (*model.SecretState, error) {
	if ex, ok := rs.existing[id]; ok {
		return ex, nil
	}
	s := rs.plan[id]
	st, found, err := rs.c.GetSecret(rs.ctx, s.Namespace, s.Name)
	if err != nil {
		return nil, fmt.Errorf("read secret %s: %w", id, err)
	}
	if !found {
		st = nil
	}
	rs.existing[id] = st
	return st, nil
}

// key resolves one key of a plan Secret, resolving what it copies first.
func (rs *resolver) key(id, key string) (string, error) {
	if v, ok := rs.values[id][key]; ok {
		return v, nil
	}
	s := rs.plan[id]
	if s == nil {
		return "", fmt.Errorf("secret %s is not in the plan", id)
	}
	var src *render.Source
	for i := range s.Keys {
		if s.Keys[i].Key == key {
			src = &s.Keys[i].From
		}
	}
	if src == nil {
		return "", fmt.Errorf("secret %s has no key %s", id, key)
	}
	slot := id + "#" + key
	if rs.busy[slot] {
		return "", fmt.Errorf("secret %s key %s: copies itself through a cycle", id, key)
	}
	rs.busy[slot] = true
	defer delete(rs.busy, slot)
	ex, err := rs.load(id)
	if err != nil {
		return "", err
	}
	var current string
	if ex != nil {
		current = string(ex.Data[key])
	}
	var v string
	if adopted(s, ex) && ex.Data[key] != nil {
		// The chart keeps this value now: read it back, never overwrite.
		v = current
		rs.sensitive[v] = true
	} else {
		v, err = rs.source(id, *src, current)
		if err != nil {
			return "", fmt.Errorf("secret %s key %s: %w", id, key, err)
		}
	}
	if rs.values[id] == nil {
		rs.values[id] = map[string]string{}
	}
	rs.values[id][key] = v
	return v, nil
}

// source resolves one source; current is the key's value in the cluster.
func (rs *resolver) source(id string, src render.Source, current string) (string, error) {
	switch src.Kind {
	case render.FromAnswer:
		v, err := src.SecretRef.Resolve()
		if err != nil {
			return "", fmt.Errorf("answer %s (%s): %w", src.Answer, src.SecretRef.String(), err)
		}
		if v == "" {
			return "", fmt.Errorf("answer %s: empty; set it to env:NAME or file:PATH", src.Answer)
		}
		rs.sensitive[v] = true
		return v, nil
	case render.FromGenerated:
		if current != "" {
			rs.sensitive[current] = true
			return current, nil // never rotate
		}
		v, err := generate(src.Length, src.Charset)
		if err != nil {
			return "", err
		}
		rs.sensitive[v] = true
		return v, nil
	case render.FromValue:
		return src.Value, nil
	case render.FromFile:
		b, err := os.ReadFile(src.Path)
		if err != nil {
			return "", fmt.Errorf("answer %s: %w", src.Answer, err)
		}
		if len(b) > 0 {
			rs.sensitive[string(b)] = true
		}
		return string(b), nil
	case render.FromSecretKey:
		if rs.plan[src.Secret] == nil {
			return "", fmt.Errorf("copies %s key %s, which is not a Secret of the plan", src.Secret, src.Key)
		}
		return rs.key(src.Secret, src.Key)
	case render.FromTemplate:
		inputs := map[string]string{}
		for name, in := range src.Inputs {
			if in.Kind == render.FromGenerated || in.Kind == render.FromKeyPair || in.Kind == render.FromTemplate {
				return "", fmt.Errorf("template input %s is %s: only answers, values, files and secretKey copies can be read back on the next run", name, in.Kind)
			}
			v, err := rs.source(id, in, "")
			if err != nil {
				return "", fmt.Errorf("template input %s: %w", name, err)
			}
			inputs[name] = v
		}
		v, err := ExecTemplate(src.Template, inputs, current)
		if err != nil {
			return "", err
		}
		if v != "" {
			rs.sensitive[v] = true
		}
		return v, nil
	case render.FromKeyPair:
		return rs.keyPair(id, src)
	}
	return "", fmt.Errorf("unknown source kind %q", src.Kind)
}

// generate returns length random characters of charset from crypto/rand.
func generate(length int, charset string) (string, error) {
	if length <= 0 {
		length = defaultGeneratedChars
	}
	var alphabet string
	switch charset {
	case "", render.CharsetAlphanumeric:
		alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	default:
		return "", fmt.Errorf("generated value: unknown charset %q (want %s)", charset, render.CharsetAlphanumeric)
	}
	max := big.NewInt(int64(len(alphabet)))
	b := make([]byte, length)
	for i := range b {
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			return "", fmt.Errorf("generated value: %w", err)
		}
		b[i] = alphabet[n.Int64()]
	}
	return string(b), nil
}
