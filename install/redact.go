package install

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"sort"
	"strings"
)

// Redacted replaces every secret value in support bundles and event text.
const Redacted = "[REDACTED]"

// redactor removes secret values in the forms they can take in text the
// engine writes: as they are, JSON-escaped, and base64-encoded (Secret data
// as the API returns it).
type redactor struct{ r *strings.Replacer }

func newRedactor(values []string) *redactor {
	seen := map[string]bool{}
	var forms []string
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			forms = append(forms, s)
		}
	}
	for _, v := range values {
		if v == "" {
			continue
		}
		add(v)
		add(jsonEscaped(v))
		add(base64.StdEncoding.EncodeToString([]byte(v)))
		add(base64.RawStdEncoding.EncodeToString([]byte(v)))
		add(base64.URLEncoding.EncodeToString([]byte(v)))
		// A value with a trailing newline is often written without it.
		add(strings.TrimRight(v, "\r\n"))
	}
	// Longest first: a Replacer tries its pairs in order at each position,
	// so a value that contains another is removed whole.
	sort.SliceStable(forms, func(i, j int) bool { return len(forms[i]) > len(forms[j]) })
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, Redacted)
	}
	return &redactor{r: strings.NewReplacer(pairs...)}
}

// String redacts s.
func (r *redactor) String(s string) string {
	if r == nil || r.r == nil || s == "" {
		return s
	}
	return r.r.Replace(s)
}

// jsonEscaped is v as it appears inside a JSON string (no HTML escaping,
// as the bundle's encoder writes it).
func jsonEscaped(v string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	s := strings.TrimSuffix(b.String(), "\n")
	return strings.TrimSuffix(strings.TrimPrefix(s, `"`), `"`)
}

// event redacts the free-text fields of an event (errors and messages can
// quote what a backend saw).
func (r *redactor) event(e Event) Event {
	e.Message = r.String(e.Message)
	e.Error = r.String(e.Error)
	if e.Blocker != nil {
		b := *e.Blocker
		b.Message = r.String(b.Message)
		b.Reason = r.String(b.Reason)
		b.LogTail = r.lines(b.LogTail)
		e.Blocker = &b
	}
	if e.Summary != nil {
		s := *e.Summary
		s.Cause = r.String(s.Cause)
		e.Summary = &s
	}
	return e
}

func (r *redactor) lines(in []string) []string {
	if in == nil {
		return nil
	}
	out := make([]string, len(in))
	for i, l := range in {
		out[i] = r.String(l)
	}
	return out
}
