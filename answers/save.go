package answers

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"
)

const saveHeader = `# harbor-installer answers, version 1.
# Replay with: harbor-installer install --answers <this file>
# Secrets are references (env:NAME or file:PATH), never values.
`

// Marshal returns answers as YAML with every literal secret replaced by an
// env: reference, and the replaced keys so the caller can tell the admin
// which variables to export.
func Marshal(a *Answers) ([]byte, []string, error) {
	cp := *a
	cp.Harbor.Projects = append([]Project(nil), a.Harbor.Projects...)
	var replaced []string
	for _, sf := range SecretFields(&cp) {
		if sf.Ref.Kind() == SecretLiteral {
			sf.set(NewSecretRef("env:" + EnvNameFor(sf.Key)))
			replaced = append(replaced, sf.Key)
		}
	}
	var buf bytes.Buffer
	buf.WriteString(saveHeader)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&cp); err != nil {
		return nil, nil, fmt.Errorf("encode answers: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, nil, fmt.Errorf("encode answers: %w", err)
	}
	return buf.Bytes(), replaced, nil
}

// Save writes answers to path atomically (never a half-written file) with
// mode 0600 from the first byte, and returns the secret keys whose literal
// values were replaced by env: references. The file holds references only,
// but it names where the secrets are (variables, files) and the cluster's
// layout, so it is the owner's alone; an existing file at path is replaced,
// mode included.
func Save(path string, a *Answers) ([]string, error) {
	data, replaced, err := Marshal(a)
	if err != nil {
		return nil, err
	}
	// CreateTemp makes the file 0600; the Chmod makes sure of it before
	// a byte is written, whatever CreateTemp does on this platform.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".answers-*.yaml")
	if err != nil {
		return nil, fmt.Errorf("save answers: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("save answers: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("save answers: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("save answers: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return nil, fmt.Errorf("save answers: %w", err)
	}
	return replaced, nil
}
