package answers

import (
	"encoding/json"
	"fmt"
	"strconv"

	"gopkg.in/yaml.v3"
)

// Every way Go turns a value into text is routed to String, which shows
// env:NAME and file:PATH (not secret) and never a literal secret.

// Format makes every fmt verb (%v, %+v, %#v, %s, %q, %x, %d, ...) print the
// safe String form; %q quotes it.
func (s SecretRef) Format(f fmt.State, verb rune) {
	switch verb {
	case 'q':
		fmt.Fprint(f, strconv.Quote(s.String()))
	default:
		fmt.Fprint(f, s.String())
	}
}

// GoString serves callers that ask for Go syntax directly.
func (s SecretRef) GoString() string { return "answers.SecretRef(" + strconv.Quote(s.String()) + ")" }

// MarshalText writes the safe String form (used by encoders such as slog's).
func (s SecretRef) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// MarshalJSON writes the safe String form as a JSON string.
func (s SecretRef) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// MarshalYAML writes the safe String form. Save replaces literals with
// env: references before encoding, so a saved file round-trips.
func (s SecretRef) MarshalYAML() (any, error) { return s.String(), nil }

// UnmarshalYAML reads the written form from a scalar; null is empty.
func (s *SecretRef) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a secret reference must be a single value (env:NAME or file:PATH)", n.Line)
	}
	if n.Tag == "!!null" {
		*s = SecretRef{}
		return nil
	}
	*s = NewSecretRef(n.Value)
	return nil
}

// IsZero reports the empty reference (for omitempty encoders).
func (s SecretRef) IsZero() bool { return s.raw() == "" }

// Equal compares written forms. Use it, not ==, which compares the hidden
// pointers (go-cmp and similar tools call Equal too).
func (s SecretRef) Equal(o SecretRef) bool { return s.raw() == o.raw() }
