package answers

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// TestSecretRefNeverPrintsLiteral runs a literal secret through every way
// Go turns a value into text, alone, inside exported fields and inside an
// unexported field (where fmt cannot call methods and walks by reflection).
func TestSecretRefNeverPrintsLiteral(t *testing.T) {
	const secret = "hunter2-literal-value"
	ref := NewSecretRef(secret)
	if v, err := ref.Resolve(); err != nil || v != secret {
		t.Fatalf("Resolve = %q, %v", v, err)
	}
	type hidden struct {
		name string
		ref  SecretRef
	}
	var a Answers
	a.LDAP.BindPassword = ref
	h := hidden{"x", ref}
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v"} {
		for _, v := range []any{ref, &ref, a.LDAP, &a, h, &h, []SecretRef{ref}, map[string]SecretRef{"k": ref}} {
			out = append(out, verb+": "+fmt.Sprintf(verb, v))
		}
	}
	out = append(out, fmt.Sprint(ref), fmt.Sprintln(ref, a))
	out = append(out, fmt.Errorf("wrap: %w", fmt.Errorf("bad %v", ref)).Error(), errors.New(ref.String()).Error())
	for _, v := range []any{ref, a.LDAP, map[string]SecretRef{"k": ref}} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, "json: "+string(b))
		y, err := yaml.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, "yaml: "+string(y))
	}
	var logs strings.Builder
	slog.New(slog.NewTextHandler(&logs, nil)).Info("m", "ref", ref, "ldap", a.LDAP)
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("m", "ref", ref, "ldap", a.LDAP)
	out = append(out, logs.String())
	for _, s := range out {
		if strings.Contains(s, secret) || strings.Contains(s, fmt.Sprintf("%x", secret)) || strings.Contains(s, fmt.Sprintf("%X", secret)) {
			t.Errorf("literal secret printed: %s", s)
		}
	}
	// References are not secret and print as written.
	env := NewSecretRef("env:X_PW")
	if got := fmt.Sprintf("%v %s %+v", env, env, env); got != "env:X_PW env:X_PW env:X_PW" {
		t.Errorf("env reference prints %q", got)
	}
}

// TestSecretRefYAMLRoundTrip keeps references through decode and encode.
func TestSecretRefYAMLRoundTrip(t *testing.T) {
	var l LDAP
	if err := yaml.Unmarshal([]byte("bindPassword: file:/run/pw\n"), &l); err != nil {
		t.Fatal(err)
	}
	if l.BindPassword.Kind() != SecretFile || l.BindPassword.Target() != "/run/pw" {
		t.Fatalf("decoded %v", l.BindPassword)
	}
	b, _ := yaml.Marshal(l)
	if !strings.Contains(string(b), "bindPassword: file:/run/pw") {
		t.Errorf("encoded %s", b)
	}
	if err := yaml.Unmarshal([]byte("bindPassword: [a]\n"), &l); err == nil {
		t.Error("a list as secret reference decoded")
	}
	if !NewSecretRef("env:A").Equal(NewSecretRef("env:A")) || NewSecretRef("env:A").Equal(NewSecretRef("env:B")) || !NewSecretRef("").Equal(SecretRef{}) {
		t.Error("Equal does not compare written forms")
	}
	if NewSecretRef("").Kind() != SecretEmpty || (SecretRef{}).Kind() != SecretEmpty {
		t.Error("empty reference is not SecretEmpty")
	}
}
