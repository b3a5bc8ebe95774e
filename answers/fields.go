package answers

import (
	"fmt"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// Field documents one answer key. The list comes from the Answers struct's
// tags and defaults.yaml, so docs and code cannot drift apart.
type Field struct {
	Key     string
	Type    string
	Doc     string
	Choices []string
	// Secret is "", or how an empty value is treated: generate, required or optional.
	Secret  string
	Default string
}

// Fields lists every answer key in schema order.
func Fields() []Field {
	def, _ := parseDoc("defaults", defaultsYAML)
	var out []Field
	var walk func(t reflect.Type, path string)
	walk = func(t reflect.Type, path string) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			key := joinKey(path, name)
			fd := Field{Key: key, Doc: f.Tag.Get("doc"), Secret: f.Tag.Get("secret"), Type: typeName(f.Type)}
			if e := f.Tag.Get("enum"); e != "" {
				fd.Choices = strings.Split(e, ",")
			}
			if n := lookupNode(def, key); n != nil && n.Kind != yaml.MappingNode {
				b, _ := yaml.Marshal(n)
				fd.Default = strings.TrimSpace(string(b))
			}
			out = append(out, fd)
			ft := f.Type
			if ft.Kind() == reflect.Slice {
				ft = ft.Elem()
				if ft.Kind() == reflect.Struct {
					walk(ft, key+"[]")
				}
				continue
			}
			if ft.Kind() == reflect.Struct && ft != replicasType && ft != secretRefType {
				walk(ft, key)
			}
		}
	}
	walk(answersType, "")
	return out
}

func typeName(t reflect.Type) string {
	switch {
	case t == secretRefType:
		return "secret reference"
	case t == replicasType:
		return "number or map"
	}
	switch t.Kind() {
	case reflect.Struct:
		return "mapping"
	case reflect.Map:
		return "map of strings"
	case reflect.Slice:
		return "list"
	case reflect.Int:
		return "number"
	case reflect.Bool:
		return "boolean"
	}
	return "string"
}

func lookupNode(root *yaml.Node, key string) *yaml.Node {
	n := root
	for _, part := range strings.Split(key, ".") {
		n = findKey(n, part)
		if n == nil {
			return nil
		}
	}
	return n
}

// Explain describes key and, for a mapping, the keys below it. An empty key
// describes everything.
func Explain(key string) (string, error) {
	var b strings.Builder
	found := false
	for _, f := range Fields() {
		if key != "" && f.Key != key && !strings.HasPrefix(f.Key, key+".") && !strings.HasPrefix(f.Key, key+"[]") {
			continue
		}
		found = true
		fmt.Fprintf(&b, "%s (%s)\n", f.Key, f.Type)
		if f.Doc != "" {
			fmt.Fprintf(&b, "    %s\n", f.Doc)
		}
		if len(f.Choices) > 0 {
			var cs []string
			for _, c := range f.Choices {
				if c == "" {
					c = `""`
				}
				cs = append(cs, c)
			}
			fmt.Fprintf(&b, "    choices: %s\n", strings.Join(cs, ", "))
		}
		switch f.Secret {
		case "generate":
			fmt.Fprintf(&b, "    secret: env:NAME or file:PATH; empty generates a strong value in a Kubernetes Secret\n")
		case "required":
			fmt.Fprintf(&b, "    secret: env:NAME or file:PATH; needed when this part is used\n")
		case "optional":
			fmt.Fprintf(&b, "    secret: env:NAME or file:PATH; empty means none\n")
		}
		if f.Default != "" && f.Default != `""` && f.Default != "[]" && f.Default != "{}" {
			fmt.Fprintf(&b, "    default: %s\n", f.Default)
		}
	}
	if !found {
		var top []string
		for _, f := range Fields() {
			if !strings.Contains(f.Key, ".") {
				top = append(top, f.Key)
			}
		}
		hint := "top-level keys: " + strings.Join(top, ", ")
		var all []string
		for _, f := range Fields() {
			all = append(all, f.Key)
		}
		if s := closest(key, all); s != "" {
			hint = "did you mean " + s + "?"
		}
		return "", fmt.Errorf("unknown answer key %q (%s)", key, hint)
	}
	return b.String(), nil
}

// SecretField is one secret reference inside answers.
type SecretField struct {
	Key    string
	Policy string
	Ref    SecretRef
	set    func(SecretRef)
}

// SecretFields lists the secret references in a, with their keys.
func SecretFields(a *Answers) []SecretField {
	var out []SecretField
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			key := joinKey(path, name)
			fv := v.Field(i)
			switch {
			case f.Type == secretRefType:
				ptr := fv
				out = append(out, SecretField{Key: key, Policy: f.Tag.Get("secret"), Ref: fv.Interface().(SecretRef),
					set: func(r SecretRef) { ptr.Set(reflect.ValueOf(r)) }})
			case f.Type.Kind() == reflect.Struct && f.Type != replicasType:
				walk(fv, key)
			}
		}
	}
	walk(reflect.ValueOf(a).Elem(), "")
	return out
}
