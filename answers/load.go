package answers

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/harbor-installer/harbor-installer/presets"
)

//go:embed defaults.yaml
var defaultsYAML []byte

// Options says where answers come from. Layers, lowest first: defaults, the
// preset, the answers file, then each --set in order.
type Options struct {
	// File is the answers file path; empty for none.
	File string
	// Data, when not nil, is used as File's content instead of reading it.
	Data []byte
	// Preset names an embedded preset; it overrides the file's preset key.
	Preset string
	// Sets are key=value overrides, as with helm's --set.
	Sets []string
	// AllowLiteralSecrets accepts secret values written in the answers (with a
	// warning) instead of refusing them.
	AllowLiteralSecrets bool
}

// Loaded is the result of Load: the answers plus where each came from.
type Loaded struct {
	Answers Answers
	// Origins maps a dotted key to the position of the layer that set it last.
	Origins map[string]Position
	// Warnings are problems that do not stop the run.
	Warnings []Problem
}

// Pos returns where key (or its nearest set parent) came from.
func (l *Loaded) Pos(key string) Position {
	for k := key; k != ""; {
		if p, ok := l.Origins[k]; ok {
			return p
		}
		i := strings.LastIndexAny(k, ".[")
		if i < 0 {
			break
		}
		k = k[:i]
	}
	return Position{}
}

// Load reads, checks strictly and merges answers. Any problem with the input
// itself is returned as *LoadError naming file:line and key.
func Load(opts Options) (*Loaded, error) {
	l := &Loaded{Origins: map[string]Position{}}
	var problems []Problem

	type layer struct {
		source string
		root   *yaml.Node
	}
	var layers []layer

	def, err := parseDoc("defaults", defaultsYAML)
	if err != nil {
		return nil, fmt.Errorf("embedded defaults: %w", err)
	}
	layers = append(layers, layer{"defaults", def})

	var fileRoot *yaml.Node
	if opts.File != "" || opts.Data != nil {
		data := opts.Data
		if data == nil {
			data, err = os.ReadFile(opts.File)
			if err != nil {
				return nil, &LoadError{Problems: []Problem{{Pos: Position{Source: opts.File}, Message: "cannot read answers file: " + unwrapPathError(err), Hint: "check --answers"}}}
			}
		}
		name := opts.File
		if name == "" {
			name = "answers"
		}
		fileRoot, err = parseDoc(name, data)
		if err != nil {
			return nil, err
		}
		problems = append(problems, checkTree(name, fileRoot)...)
		if findKey(fileRoot, "version") == nil {
			problems = append(problems, Problem{Pos: Position{Source: name, Line: 1}, Key: "version", Message: "missing", Hint: "add `version: 1` at the top of the file"})
		}
	}

	presetName := opts.Preset
	if fileRoot != nil {
		if n := findKey(fileRoot, "preset"); n != nil && n.Kind == yaml.ScalarNode && n.Value != "" {
			if presetName != "" && presetName != n.Value {
				l.Warnings = append(l.Warnings, Problem{Pos: Position{Source: opts.File, Line: n.Line}, Key: "preset", Message: fmt.Sprintf("--preset %s overrides preset %s from the file", presetName, n.Value)})
			} else {
				presetName = n.Value
			}
		}
	}
	if presetName != "" {
		data, ok := presets.Get(presetName)
		if !ok {
			pos := Position{Source: "--preset"}
			if opts.Preset == "" {
				pos = posOf(opts.File, fileRoot, "preset")
			}
			problems = append(problems, Problem{Pos: pos, Key: "preset", Message: fmt.Sprintf("unknown preset %q", presetName), Hint: "one of " + strings.Join(presets.Names(), ", ")})
		} else {
			src := "preset " + presetName
			root, err := parseDoc(src, data)
			if err != nil {
				return nil, fmt.Errorf("embedded %s: %w", src, err)
			}
			if ps := checkTree(src, root); len(ps) > 0 {
				return nil, fmt.Errorf("embedded %s is invalid: %w", src, &LoadError{Problems: ps})
			}
			layers = append(layers, layer{src, root})
		}
	}
	if fileRoot != nil {
		layers = append(layers, layer{opts.File, fileRoot})
	}
	for _, s := range opts.Sets {
		root, key, err := parseSet(s)
		if err != nil {
			problems = append(problems, Problem{Pos: Position{Source: "--set"}, Message: err.Error(), Hint: "write --set key.path=value, e.g. --set harbor.domain=registry.example.org"})
			continue
		}
		src := "--set " + key
		ps := checkTree(src, root)
		problems = append(problems, ps...)
		if len(ps) == 0 {
			layers = append(layers, layer{src, root})
		}
	}
	if len(problems) > 0 {
		return nil, &LoadError{Problems: problems}
	}

	merged := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for _, ly := range layers {
		recordOrigins(ly.source, ly.root, "", l.Origins)
		merged = mergeNodes(merged, ly.root, "")
	}
	if err := merged.Decode(&l.Answers); err != nil {
		return nil, &LoadError{Problems: []Problem{{Message: "decode answers: " + err.Error()}}}
	}
	if opts.Preset != "" {
		l.Answers.Preset = opts.Preset
	} else if presetName != "" {
		l.Answers.Preset = presetName
	}

	if v := l.Answers.Version; v != CurrentVersion {
		problems = append(problems, Problem{Pos: l.Pos("version"), Key: "version", Message: fmt.Sprintf("version %d is not supported", v), Hint: fmt.Sprintf("this harbor-installer reads version %d", CurrentVersion)})
	}
	for _, sf := range SecretFields(&l.Answers) {
		if sf.Ref.Kind() != SecretLiteral {
			continue
		}
		p := Problem{Pos: l.Pos(sf.Key), Key: sf.Key}
		if opts.AllowLiteralSecrets {
			p.Message = "holds a literal secret; it is used, but anyone who can read the answers or the process list can read it"
			p.Hint = fmt.Sprintf("prefer env:%s or file:PATH", EnvNameFor(sf.Key))
			l.Warnings = append(l.Warnings, p)
		} else {
			p.Message = "holds a literal secret, which is refused"
			p.Hint = fmt.Sprintf("write env:%s (and export it) or file:/path/to/secret; --allow-literal-secrets accepts it with a warning", EnvNameFor(sf.Key))
			problems = append(problems, p)
		}
	}
	if len(problems) > 0 {
		return nil, &LoadError{Problems: problems}
	}
	return l, nil
}

func unwrapPathError(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// parseDoc parses YAML into its root mapping node; an empty document is an
// empty mapping.
func parseDoc(source string, data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, errEOF) || err.Error() == "EOF" {
			return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}, nil
		}
		return nil, &LoadError{Problems: []Problem{yamlSyntaxProblem(source, err)}}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &LoadError{Problems: []Problem{{Pos: Position{Source: source, Line: extra.Line}, Message: "more than one YAML document", Hint: "keep one document per answers file"}}}
	}
	if len(doc.Content) == 0 {
		return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}, nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, &LoadError{Problems: []Problem{{Pos: Position{Source: source, Line: root.Line}, Message: "the answers must be a YAML mapping of keys to values"}}}
	}
	return root, nil
}

var errEOF = errors.New("EOF")

// yamlSyntaxProblem turns yaml.v3's "yaml: line N: msg" into a positioned problem.
func yamlSyntaxProblem(source string, err error) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.Index(rest, ":"); i > 0 {
			if n, err := strconv.Atoi(rest[:i]); err == nil {
				line = n
				msg = strings.TrimSpace(rest[i+1:])
			}
		}
	}
	return Problem{Pos: Position{Source: source, Line: line}, Message: "YAML syntax: " + msg}
}

func findKey(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func posOf(source string, root *yaml.Node, key string) Position {
	n := root
	for _, part := range strings.Split(key, ".") {
		next := findKey(n, part)
		if next == nil {
			break
		}
		n = next
	}
	if n == nil {
		return Position{Source: source}
	}
	return Position{Source: source, Line: n.Line}
}

// recordOrigins notes, for every key a layer sets, the layer's position.
func recordOrigins(source string, n *yaml.Node, path string, out map[string]Position) {
	line := func(n *yaml.Node) int {
		if strings.HasPrefix(source, "--set") || source == "defaults" {
			return 0
		}
		return n.Line
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := joinKey(path, k.Value)
			// A value replaced wholesale drops origins recorded below it.
			if v.Kind != yaml.MappingNode {
				for old := range out {
					if strings.HasPrefix(old, p+".") || strings.HasPrefix(old, p+"[") {
						delete(out, old)
					}
				}
			}
			out[p] = Position{Source: source, Line: line(k)}
			recordOrigins(source, v, p, out)
		}
	case yaml.SequenceNode:
		for i, e := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			out[p] = Position{Source: source, Line: line(e)}
			recordOrigins(source, e, p, out)
		}
	}
}

func joinKey(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

// mergeNodes lays over on top of base: mappings merge key by key, anything
// else is replaced. harbor.replicas given as a number below a map becomes the
// map's default, so `--set harbor.replicas.core=3` keeps a preset's number
// for the other components.
func mergeNodes(base, over *yaml.Node, path string) *yaml.Node {
	if over.Kind == yaml.AliasNode {
		over = over.Alias
	}
	if base != nil && base.Kind == yaml.AliasNode {
		base = base.Alias
	}
	if path == "harbor.replicas" && base != nil && base.Kind == yaml.ScalarNode && over.Kind == yaml.MappingNode {
		base = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Tag: "!!str", Value: "default"}, base,
		}}
	}
	if base == nil || base.Kind != yaml.MappingNode || over.Kind != yaml.MappingNode {
		return over
	}
	out := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: base.Line}
	out.Content = append(out.Content, base.Content...)
	for i := 0; i+1 < len(over.Content); i += 2 {
		k, v := over.Content[i], over.Content[i+1]
		found := false
		for j := 0; j+1 < len(out.Content); j += 2 {
			if out.Content[j].Value == k.Value {
				out.Content[j+1] = mergeNodes(out.Content[j+1], v, joinKey(path, k.Value))
				found = true
				break
			}
		}
		if !found {
			out.Content = append(out.Content, k, v)
		}
	}
	return out
}

// parseSet turns "a.b.c=value" into a one-path mapping. Dots inside a key
// are escaped with a backslash, as with helm: ingress.annotations.a\.b/c=1.
func parseSet(s string) (*yaml.Node, string, error) {
	eq := -1
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			continue
		}
		if s[i] == '=' {
			eq = i
			break
		}
	}
	if eq <= 0 {
		return nil, "", fmt.Errorf("--set %q: want key=value", s)
	}
	rawKey, rawVal := s[:eq], s[eq+1:]
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(rawKey); i++ {
		c := rawKey[i]
		switch {
		case c == '\\' && i+1 < len(rawKey):
			i++
			cur.WriteByte(rawKey[i])
		case c == '.':
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	parts = append(parts, cur.String())
	for _, p := range parts {
		if p == "" {
			return nil, "", fmt.Errorf("--set %q: empty key segment", s)
		}
		if strings.ContainsAny(p, "[]") {
			return nil, "", fmt.Errorf("--set %q: list indexes are not supported; set lists in the answers file", s)
		}
	}
	val := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: ""}
	if rawVal != "" {
		var doc yaml.Node
		if err := yaml.Unmarshal([]byte(rawVal), &doc); err != nil || len(doc.Content) == 0 {
			val = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: rawVal}
		} else {
			val = doc.Content[0]
		}
	}
	node := val
	for i := len(parts) - 1; i >= 0; i-- {
		node = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Tag: "!!str", Value: parts[i]}, node,
		}}
	}
	return node, strings.Join(parts, "."), nil
}

var (
	secretRefType = reflect.TypeOf(SecretRef{})
	replicasType  = reflect.TypeOf(Replicas{})
	answersType   = reflect.TypeOf(Answers{})
)

// checkTree checks a layer against the Answers schema: every key known,
// every value of the right type and, for enumerations, one of the choices.
func checkTree(source string, root *yaml.Node) []Problem {
	c := &treeChecker{source: source}
	c.walk(root, answersType, "", "")
	return c.problems
}

type treeChecker struct {
	source   string
	problems []Problem
}

func (c *treeChecker) add(n *yaml.Node, key, msg, hint string) {
	line := 0
	if n != nil && !strings.HasPrefix(c.source, "--set") {
		line = n.Line
	}
	c.problems = append(c.problems, Problem{Pos: Position{Source: c.source, Line: line}, Key: key, Message: msg, Hint: hint})
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return fmt.Sprintf("%q", n.Value)
}

func (c *treeChecker) walk(n *yaml.Node, t reflect.Type, path, enum string) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if isNull(n) {
		return
	}
	switch {
	case t == replicasType:
		switch n.Kind {
		case yaml.ScalarNode:
			var v int
			if n.Decode(&v) != nil {
				c.add(n, path, "want a whole number or a map of component: number, got "+kindName(n), "e.g. `replicas: 2` or `replicas: {core: 3, registry: 2}`")
			}
		case yaml.MappingNode:
			c.walk(n, reflect.TypeOf(struct {
				Default    int `yaml:"default"`
				Core       int `yaml:"core"`
				Portal     int `yaml:"portal"`
				Registry   int `yaml:"registry"`
				Jobservice int `yaml:"jobservice"`
				Trivy      int `yaml:"trivy"`
			}{}), path, "")
		default:
			c.add(n, path, "want a whole number or a map of component: number, got a list", "")
		}
		return
	case t == secretRefType:
		if n.Kind != yaml.ScalarNode {
			c.add(n, path, "want a single value (env:NAME or file:PATH), got "+kindName(n), "")
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			c.add(n, path, "want a mapping of keys, got "+kindName(n), "")
			return
		}
		fields := structFields(t)
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			key := joinKey(path, k.Value)
			if seen[k.Value] {
				c.add(k, key, "set twice in the same mapping", "keep one")
				continue
			}
			seen[k.Value] = true
			f, ok := fields[k.Value]
			if !ok {
				names := make([]string, 0, len(fields))
				for name := range fields {
					names = append(names, name)
				}
				hint := ""
				if s := closest(k.Value, names); s != "" {
					hint = "did you mean " + joinKey(path, s) + "?"
				} else {
					sort.Strings(names)
					hint = "known keys here: " + strings.Join(names, ", ")
				}
				c.add(k, key, "unknown key", hint)
				continue
			}
			c.walk(v, f.Type, key, f.Tag.Get("enum"))
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			c.add(n, path, "want a mapping, got "+kindName(n), "")
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			c.walk(n.Content[i+1], t.Elem(), joinKey(path, n.Content[i].Value), "")
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			c.add(n, path, "want a list, got "+kindName(n), "")
			return
		}
		for i, e := range n.Content {
			c.walk(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i), "")
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			c.add(n, path, "want a single value, got "+kindName(n), "")
			return
		}
		if enum != "" {
			choices := strings.Split(enum, ",")
			ok := false
			for _, ch := range choices {
				if ch == n.Value {
					ok = true
				}
			}
			if !ok {
				var shown []string
				for _, ch := range choices {
					if ch == "" {
						ch = `"" (derived)`
					}
					shown = append(shown, ch)
				}
				hint := "one of " + strings.Join(shown, ", ")
				if s := closest(n.Value, choices); s != "" {
					hint = "did you mean " + s + "? (" + hint + ")"
				}
				c.add(n, path, fmt.Sprintf("%q is not a valid choice", n.Value), hint)
			}
		}
	case reflect.Int:
		var v int
		if n.Kind != yaml.ScalarNode || n.Decode(&v) != nil {
			c.add(n, path, "want a whole number, got "+kindName(n), "")
		}
	case reflect.Bool:
		var v bool
		if n.Kind != yaml.ScalarNode || n.Decode(&v) != nil {
			c.add(n, path, "want true or false, got "+kindName(n), "")
		}
	}
}

// structFields maps yaml names to fields.
func structFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		out[name] = f
	}
	return out
}

// closest returns the candidate nearest to s by edit distance, if near
// enough to be a likely typo.
func closest(s string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		if c == "" {
			continue
		}
		d := editDistance(strings.ToLower(s), strings.ToLower(c))
		if d < bestD {
			best, bestD = c, d
		}
	}
	if bestD <= max(2, len(s)/3) {
		return best
	}
	return ""
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
