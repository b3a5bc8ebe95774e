package answers

import (
	"fmt"
	"os"
	"strings"
	"unicode"
)

// SecretRef is a secret field's value: a reference, never the secret itself.
//
//	""           the installer generates a strong value (fields tagged secret:"generate")
//	             or the secret is absent (secret:"optional")
//	env:NAME     read from environment variable NAME at install time
//	file:PATH    read from PATH at install time (trailing newline trimmed)
//
// Anything else is a literal secret, refused unless explicitly allowed.
//
// The written form is unexported and behind a pointer, so no formatting path
// can show a literal secret: fmt's verbs all go through Format, JSON, YAML
// and text encoders through the Marshal methods, and even reflection-based
// printing of a struct that holds a SecretRef in an unexported field reaches
// only a pointer, which fmt prints as an address. The zero value is the
// empty reference. A SecretRef is immutable; copies may share the pointer.
type SecretRef struct {
	p *string
}

// NewSecretRef makes a SecretRef from its written form (env:NAME, file:PATH,
// "" or a literal). Code outside this package makes references only this way
// and reads them only through methods.
func NewSecretRef(s string) SecretRef {
	if s == "" {
		return SecretRef{}
	}
	return SecretRef{p: &s}
}

// raw is the written form, for this package only.
func (s SecretRef) raw() string {
	if s.p == nil {
		return ""
	}
	return *s.p
}

// SecretKind classifies a SecretRef.
type SecretKind int

// The kinds of SecretRef.
const (
	SecretEmpty SecretKind = iota
	SecretEnv
	SecretFile
	SecretLiteral
)

// Kind tells what the reference is.
func (s SecretRef) Kind() SecretKind {
	v := s.raw()
	switch {
	case v == "":
		return SecretEmpty
	case strings.HasPrefix(v, "env:"):
		return SecretEnv
	case strings.HasPrefix(v, "file:"):
		return SecretFile
	default:
		return SecretLiteral
	}
}

// Target is the variable name or file path a reference points to.
func (s SecretRef) Target() string {
	switch s.Kind() {
	case SecretEnv:
		return strings.TrimPrefix(s.raw(), "env:")
	case SecretFile:
		return strings.TrimPrefix(s.raw(), "file:")
	}
	return ""
}

// String never shows a literal secret, so a SecretRef is safe to print.
func (s SecretRef) String() string {
	if s.Kind() == SecretLiteral {
		return "<literal secret>"
	}
	return s.raw()
}

// Resolve returns the secret value. An empty reference resolves to "".
func (s SecretRef) Resolve() (string, error) {
	switch s.Kind() {
	case SecretEmpty:
		return "", nil
	case SecretEnv:
		name := s.Target()
		v, ok := os.LookupEnv(name)
		if !ok {
			return "", fmt.Errorf("environment variable %s is not set", name)
		}
		if v == "" {
			return "", fmt.Errorf("environment variable %s is empty", name)
		}
		return v, nil
	case SecretFile:
		p := s.Target()
		b, err := os.ReadFile(p)
		if err != nil {
			return "", fmt.Errorf("read secret file: %w", err)
		}
		v := strings.TrimRight(string(b), "\r\n")
		if v == "" {
			return "", fmt.Errorf("secret file %s is empty", p)
		}
		return v, nil
	default:
		return s.raw(), nil
	}
}

// CheckResolvable reports whether the reference can be read now, without
// returning the value, for validation output.
func (s SecretRef) CheckResolvable() error {
	_, err := s.Resolve()
	return err
}

// EnvNameFor suggests an environment variable for a secret key path:
// harbor.adminPassword -> HARBOR_ADMIN_PASSWORD.
func EnvNameFor(key string) string {
	var b strings.Builder
	prevLower := false
	for _, r := range key {
		switch {
		case r == '.' || r == '-' || r == '_':
			b.WriteByte('_')
			prevLower = false
		case unicode.IsUpper(r):
			if prevLower {
				b.WriteByte('_')
			}
			b.WriteRune(r)
			prevLower = false
		default:
			b.WriteRune(unicode.ToUpper(r))
			prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
		}
	}
	return b.String()
}
