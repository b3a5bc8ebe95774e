package answers

import (
	"errors"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to the loader: it must never panic, and
// anything it refuses must be a *LoadError (the CLI's exit 2).
// Run: go test ./answers -run '^$' -fuzz FuzzLoad -fuzztime 60s
func FuzzLoad(f *testing.F) {
	seeds := []string{
		"version: 1\n",
		"version: 1\nharbor:\n  domain: registry.example.org\n  replicas: {core: 3}\n",
		"version: 1\npreset: eks-minio\nminio:\n  zones: 2\n",
		"version: 1\nharbor:\n  projects:\n    - name: a\n      members: [{group: 'cn=a,dc=b', role: developer}]\n",
		"version: 1\nldap: {bindPassword: hunter2}\n",
		"a: &x [*x]\n",
		"version: 1\nharbor: &h {domain: a}\ntls: *h\n",
		"- 1\n- 2\n",
		"version: 1\n---\nversion: 1\n",
		"{",
		"version: !!binary aGVsbG8=\n",
		"harbor:\n  replicas: [1]\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s), "harbor.domain=a.example.org")
	}
	f.Fuzz(func(t *testing.T, data []byte, set string) {
		l, err := Load(Options{File: "fuzz.yaml", Data: data, Sets: []string{set}})
		if err != nil {
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("non-LoadError for input %q: %v", data, err)
			}
			return
		}
		if l.Answers.Version != CurrentVersion {
			t.Fatalf("accepted version %d", l.Answers.Version)
		}
		if _, _, err := Marshal(&l.Answers); err != nil {
			t.Fatalf("accepted answers do not marshal: %v", err)
		}
	})
}
