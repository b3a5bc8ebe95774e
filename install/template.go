package install

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/template"

	"golang.org/x/crypto/bcrypt"
)

// ExecTemplate executes a render.FromTemplate source's Template over its
// resolved inputs. Besides text/template's builtins it offers `json` (a JSON
// string literal, for values placed inside JSON) and `htpasswd USER PASSWORD`
// (a bcrypt htpasswd line, as the Docker registry reads it).
//
// existing is the key's current value in the cluster ("" when none). bcrypt
// salts differ on every call, so a fresh htpasswd line would change the
// Secret, bump its revision and roll the registry on every run; htpasswd
// therefore returns the line already in existing while it still matches
// the password.
func ExecTemplate(text string, inputs map[string]string, existing string) (string, error) {
	t, err := template.New("secret").Option("missingkey=error").Funcs(template.FuncMap{
		"json": func(s string) (string, error) {
			b, err := json.Marshal(s)
			return string(b), err
		},
		"htpasswd": func(user, password string) (string, error) {
			if line, ok := matchingHtpasswd(existing, user, password); ok {
				return line, nil
			}
			h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
			if err != nil {
				return "", fmt.Errorf("htpasswd: %w", err)
			}
			return user + ":" + string(h), nil
		},
	}).Parse(text)
	if err != nil {
		return "", fmt.Errorf("parse secret template: %w", err)
	}
	var b strings.Builder
	if err := t.Execute(&b, inputs); err != nil {
		// text/template's errors name the template position and the
		// missing key, never an input's value.
		return "", fmt.Errorf("execute secret template: %w", err)
	}
	return b.String(), nil
}

// matchingHtpasswd finds user's line in an htpasswd text whose bcrypt hash
// still matches password.
func matchingHtpasswd(existing, user, password string) (string, bool) {
	for _, line := range strings.Split(existing, "\n") {
		line = strings.TrimRight(line, "\r")
		u, hash, ok := strings.Cut(line, ":")
		if !ok || u != user {
			continue
		}
		if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil {
			return line, true
		}
	}
	return "", false
}
