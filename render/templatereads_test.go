package render

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"text/template/parse"
)

// templateReads is the set of values paths a chart's templates read, found
// by walking the parsed templates: .Values chains, variables assigned from
// them ($s := .Values.persistence.imageChartStorage, then $s.s3.bucket),
// the dot inside with and range blocks (range over a list reads its items
// as path[]), and range variables. A path read as a whole (passed to toYaml,
// tpl, dict, ...) covers everything below it. The analysis follows the
// common idioms, not every Go template construct; helpers (define) are
// walked with the root as dot.
type templateReads struct {
	exact map[string]bool // read as this path (and so its parents)
	whole map[string]bool // passed on whole: anything below is honoured
}

// covers reports whether the templates read path (dotted, "[]" for list
// items): exactly, below it, or inside a subtree read whole. A range over a
// map reads every key, so a key segment may also match "[]" (keys may
// contain dots, as annotation keys do).
func (r templateReads) covers(path string) bool {
	if r.coversDirect(path) {
		return true
	}
	for i := strings.Index(path, "."); i > 0; i = nextDot(path, i) {
		for j := nextDot(path, i); ; j = nextDot(path, j) {
			rest := ""
			if j > 0 {
				rest = path[j:]
			}
			if r.coversDirect(path[:i] + "[]" + rest) {
				return true
			}
			if j < 0 {
				break
			}
		}
	}
	return false
}

func (r templateReads) coversDirect(path string) bool {
	if r.exact[path] || r.whole[path] {
		return true
	}
	for p := range r.exact {
		if strings.HasPrefix(p, path+".") || strings.HasPrefix(p, path+"[]") {
			return true
		}
	}
	for p := range r.whole {
		if strings.HasPrefix(path, p+".") || strings.HasPrefix(path, p+"[]") {
			return true
		}
	}
	return false
}

func nextDot(s string, i int) int {
	j := strings.Index(s[i+1:], ".")
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// wholeFuncs pass a value on as a whole (into YAML, another template...).
var wholeFuncs = map[string]bool{
	"toYaml": true, "toJson": true, "toPrettyJson": true, "toRawJson": true, "tpl": true,
	"dict": true, "list": true, "merge": true, "mergeOverwrite": true, "deepCopy": true,
	"omit": true, "pick": true, "include": true, "template": true,
}

func readChartTemplates(t *testing.T, dir string) templateReads {
	t.Helper()
	r := templateReads{exact: map[string]bool{}, whole: map[string]bool{}}
	trees := map[string]*parse.Tree{} // by define name and by file path
	var entries []string
	// Templates of the chart and of its subcharts (whose helpers, such as
	// Bitnami's common library, the chart includes).
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if filepath.Base(filepath.Dir(p)) != "templates" && !strings.Contains(p, string(filepath.Separator)+"templates"+string(filepath.Separator)) {
			return nil
		}
		if ext := filepath.Ext(p); ext != ".yaml" && ext != ".tpl" && ext != ".txt" && ext != ".yml" {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		tr := &parse.Tree{Mode: parse.SkipFuncCheck | parse.ParseComments}
		defs := map[string]*parse.Tree{}
		if _, err := tr.Parse(string(b), "{{", "}}", defs); err != nil {
			t.Fatalf("parse %s: %v", p, err)
		}
		for name, tree := range defs {
			if name == "" { // the file's own body
				name = rel
			}
			trees[name] = tree
		}
		if _, ok := trees[rel]; !ok {
			trees[rel] = tr
		}
		if !strings.HasPrefix(filepath.Base(p), "_") && strings.HasPrefix(rel, "templates"+string(filepath.Separator)) {
			entries = append(entries, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	w := &readWalker{reads: r, trees: trees, walked: map[string]bool{}, dicts: map[string]map[string]string{}}
	for _, e := range entries {
		w.walk(e, "$root")
	}
	return r
}

type readWalker struct {
	reads  templateReads
	vars   map[string]string // variable -> path ("$root" for the root)
	trees  map[string]*parse.Tree
	walked map[string]bool // template name + dot already walked
	// dicts are the dict literals passed to templates, by "$dict:N" dot:
	// their keys map to values paths.
	dicts map[string]map[string]string
}

// walk walks the named template with dot, once per pair.
func (w *readWalker) walk(name, dot string) {
	tree := w.trees[name]
	if tree == nil || tree.Root == nil || w.walked[name+"\x00"+dot] {
		return
	}
	w.walked[name+"\x00"+dot] = true
	saved := w.vars
	w.vars = map[string]string{"$": dot} // $ is the data a template runs on
	w.list(tree.Root, dot)
	w.vars = saved
}

// templateName is the name in include "name" or
// include (print $.Template.BasePath "/file") .
func templateName(n parse.Node) (string, bool) {
	switch a := n.(type) {
	case *parse.StringNode:
		return a.Text, true
	case *parse.PipeNode:
		if len(a.Cmds) == 1 && len(a.Cmds[0].Args) == 3 {
			if id, ok := a.Cmds[0].Args[0].(*parse.IdentifierNode); ok && id.Ident == "print" {
				if s, ok := a.Cmds[0].Args[2].(*parse.StringNode); ok {
					return "templates" + s.Text, true
				}
			}
		}
	}
	return "", false
}

// join appends field names to a base path; the root's .Values starts the
// values path, and a dict's key leads to the path given for it.
func (w *readWalker) join(base string, fields []string) (string, bool) {
	if base == "" {
		return "", false
	}
	if strings.HasPrefix(base, "$dict:") {
		if len(fields) == 0 {
			return "", false
		}
		target, ok := w.dicts[base][fields[0]]
		if !ok {
			return "", false
		}
		return w.join(target, fields[1:])
	}
	if base == "$root" {
		if len(fields) == 0 {
			return base, true
		}
		if fields[0] != "Values" {
			return "", false
		}
		if len(fields) == 1 {
			return "$values", true
		}
		return strings.Join(fields[1:], "."), true
	}
	if base == "$values" {
		if len(fields) == 0 {
			return base, true
		}
		return strings.Join(fields, "."), true
	}
	if len(fields) == 0 {
		return base, true
	}
	return base + "." + strings.Join(fields, "."), true
}

// arg resolves one argument node to a values path.
func (w *readWalker) arg(n parse.Node, dot string) (string, bool) {
	switch a := n.(type) {
	case *parse.FieldNode:
		return w.join(dot, a.Ident)
	case *parse.VariableNode:
		base, ok := w.vars[a.Ident[0]]
		if !ok {
			return "", false
		}
		return w.join(base, a.Ident[1:])
	case *parse.DotNode:
		return dot, dot != "" && dot != "$root" && dot != "$values"
	case *parse.ChainNode:
		if p, ok := a.Node.(*parse.PipeNode); ok {
			base, ok := w.pipe(p, dot)
			if !ok {
				return "", false
			}
			return w.join(base, a.Field)
		}
		base, ok := w.arg(a.Node, dot)
		if !ok {
			return "", false
		}
		return w.join(base, a.Field)
	case *parse.PipeNode:
		return w.pipe(a, dot)
	}
	return "", false
}

// argOrRoot resolves a template argument to a values path, or to the
// root for $ and a root dot.
func (w *readWalker) argOrRoot(n parse.Node, dot string) (string, bool) {
	switch a := n.(type) {
	case *parse.DotNode:
		return dot, dot != ""
	case *parse.VariableNode:
		if len(a.Ident) == 1 && a.Ident[0] == "$" {
			return "$root", true
		}
	}
	return w.arg(n, dot)
}

func (w *readWalker) record(path string, whole bool) {
	if path == "" || path == "$root" || path == "$values" {
		return
	}
	if strings.HasPrefix(path, "$dict:") {
		// A dict passed on whole passes every path in it whole.
		for _, target := range w.dicts[path] {
			w.record(target, whole)
		}
		return
	}
	if whole {
		w.reads.whole[path] = true
	} else {
		w.reads.exact[path] = true
	}
}

// pipe records the reads of a pipeline and returns the path its value
// most likely is: the last command's field chain, or its first field
// argument (default X .Values.a, concat .Values.a ...).
func (w *readWalker) pipe(p *parse.PipeNode, dot string) (string, bool) {
	if p == nil {
		return "", false
	}
	if len(p.Cmds) == 1 && len(p.Cmds[0].Args) > 1 {
		if id, ok := p.Cmds[0].Args[0].(*parse.IdentifierNode); ok && id.Ident == "dict" {
			// A dict handed to a template: follow its keys.
			args := p.Cmds[0].Args[1:]
			d := map[string]string{}
			for i := 0; i+1 < len(args); i += 2 {
				k, ok := args[i].(*parse.StringNode)
				if !ok {
					continue
				}
				if path, ok := w.argOrRoot(args[i+1], dot); ok {
					d[k.Text] = path
				} else if sub, ok := args[i+1].(*parse.PipeNode); ok {
					w.pipe(sub, dot)
				}
			}
			name := fmt.Sprintf("$dict:%d", len(w.dicts))
			w.dicts[name] = d
			return name, true
		}
	}
	wholeLater := false
	for i := len(p.Cmds) - 1; i >= 0; i-- {
		c := p.Cmds[i]
		fn := ""
		if id, ok := c.Args[0].(*parse.IdentifierNode); ok {
			fn = id.Ident
		}
		if (fn == "include" || fn == "template") && len(c.Args) == 3 {
			// Follow the included template with the dot it is given; a
			// dict or other built value is passed on whole instead.
			if name, ok := templateName(c.Args[1]); ok {
				if arg, ok := w.argOrRoot(c.Args[2], dot); ok {
					if w.trees[name] == nil {
						w.record(arg, true) // not here: assume it uses it all
					} else {
						w.walk(name, arg)
					}
					continue
				}
			}
		}
		for _, a := range c.Args {
			switch a.(type) {
			case *parse.IdentifierNode:
				continue
			}
			if sub, ok := a.(*parse.PipeNode); ok {
				w.pipe(sub, dot)
				continue
			}
			if path, ok := w.arg(a, dot); ok {
				w.record(path, wholeFuncs[fn] || (i == 0 && wholeLater && len(c.Args) == 1))
			}
		}
		if wholeFuncs[fn] {
			wholeLater = true
		}
	}
	last := p.Cmds[len(p.Cmds)-1]
	for _, a := range last.Args {
		if path, ok := w.argOrRoot(a, dot); ok {
			return path, true
		}
	}
	if len(p.Cmds) > 1 {
		for _, a := range p.Cmds[0].Args {
			if path, ok := w.arg(a, dot); ok {
				return path, true
			}
		}
	}
	return "", false
}

func (w *readWalker) list(l *parse.ListNode, dot string) {
	if l == nil {
		return
	}
	for _, n := range l.Nodes {
		w.node(n, dot)
	}
}

func (w *readWalker) node(n parse.Node, dot string) {
	switch x := n.(type) {
	case *parse.ActionNode:
		path, ok := w.pipe(x.Pipe, dot)
		for _, v := range x.Pipe.Decl {
			if ok {
				w.vars[v.Ident[0]] = path
			} else {
				delete(w.vars, v.Ident[0])
			}
		}
	case *parse.IfNode:
		w.pipe(x.Pipe, dot)
		w.list(x.List, dot)
		w.list(x.ElseList, dot)
	case *parse.WithNode:
		path, ok := w.pipe(x.Pipe, dot)
		inner := ""
		if ok {
			inner = path
		}
		for _, v := range x.Pipe.Decl {
			w.vars[v.Ident[0]] = inner
		}
		w.list(x.List, inner)
		w.list(x.ElseList, dot)
	case *parse.RangeNode:
		path, ok := w.pipe(x.Pipe, dot)
		inner := ""
		if ok {
			inner = path + "[]"
		}
		switch len(x.Pipe.Decl) {
		case 1:
			w.vars[x.Pipe.Decl[0].Ident[0]] = inner
		case 2:
			w.vars[x.Pipe.Decl[1].Ident[0]] = inner
		}
		w.list(x.List, inner)
		w.list(x.ElseList, dot)
	case *parse.TemplateNode:
		if x.Pipe != nil && len(x.Pipe.Cmds) == 1 && len(x.Pipe.Cmds[0].Args) == 1 {
			if arg, ok := w.argOrRoot(x.Pipe.Cmds[0].Args[0], dot); ok {
				w.walk(x.Name, arg)
				return
			}
		}
		if x.Pipe != nil {
			w.pipe(x.Pipe, dot)
		}
	case *parse.ListNode:
		w.list(x, dot)
	}
}

func TestTemplateReads(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "templates"), 0o755); err != nil {
		t.Fatal(err)
	}
	const tmpl = `{{- $s := .Values.persistence.imageChartStorage }}
bucket: {{ $s.s3.bucket }}
{{- range .Values.users }}{{ .accessKey }}{{ end }}
{{- range $i, $b := .Values.buckets }}{{ $b.name }}{{ end }}
{{- with .Values.core.podAnnotations }}{{ toYaml . | nindent 8 }}{{ end }}
{{- if .Values.podDisruptionBudget.enabled }}{{ .Values.podDisruptionBudget.maxUnavailable }}{{ end }}
{{- define "x" }}{{ .Values.caBundleSecretName | default "" }}{{ end }}
{{ include "common" (dict "value" .Values.topologySpreadConstraints "context" $) }}
{{- range .Values.policies }}{{ include "policy" . }}{{ end }}
{{ include "x" . }}
{{- define "policy" }}{{ .name }}{{ range $s := .statements }}{{ $s.effect }}{{ end }}{{ end }}`
	if err := os.WriteFile(filepath.Join(dir, "templates", "a.yaml"), []byte(tmpl), 0o644); err != nil {
		t.Fatal(err)
	}
	r := readChartTemplates(t, dir)
	for _, p := range []string{
		"persistence.imageChartStorage.s3.bucket", "users[].accessKey", "buckets[].name",
		"core.podAnnotations.anything", "podDisruptionBudget.maxUnavailable", "caBundleSecretName",
		"topologySpreadConstraints[].maxSkew", "policies[].name", "policies[].statements[].effect",
	} {
		if !r.covers(p) {
			t.Errorf("%s not covered; reads %v, whole %v", p, r.exact, r.whole)
		}
	}
	for _, p := range []string{"users[].secretKey", "buckets[].policy", "persistence.imageChartStorage.s3.region", "podDisruptionBudget.minAvailable", "policies[].statements[].actions"} {
		if r.covers(p) {
			t.Errorf("%s covered, but no template reads it", p)
		}
	}
}

// testChartDirs maps the pinned charts to their stand-ins in testcharts/
// (the bitnami MinIO chart has none).
var testChartDirs = map[string]string{
	"harbor 1.19.1":               "harbor",
	"minio 5.4.0":                 "minio",
	"velero 12.1.0":               "velero",
	"trident-operator 100.2606.0": "trident-operator",
}

// TestTestChartsHonourRenderedPaths: the test charts the e2e tests install
// in place of the pinned charts read every value path render emits, at the
// same path, so a value written to a wrong path fails here and in e2e
// instead of passing unnoticed.
func TestTestChartsHonourRenderedPaths(t *testing.T) {
	reads := map[string]templateReads{}
	// A value at a wrong path is not honoured: the hook annotations belong
	// to database.podAnnotations, not database.internal.podAnnotations.
	harbor := readChartTemplates(t, filepath.Join("..", "testcharts", "harbor"))
	if harbor.covers("database.internal.podAnnotations.pre.hook.backup.velero.io/command") || !harbor.covers("database.podAnnotations.pre.hook.backup.velero.io/command") {
		t.Error("the harbor test chart reads database pod annotations at the wrong path")
	}
	for _, c := range cases {
		p := buildCase(t, c)
		for _, r := range p.Releases {
			dir, ok := testChartDirs[r.Chart.Name+" "+r.Chart.Version]
			if !ok {
				continue
			}
			if _, ok := reads[dir]; !ok {
				reads[dir] = readChartTemplates(t, filepath.Join("..", "testcharts", dir))
			}
			paths := map[string]bool{}
			valuePaths("", r.Values, paths)
			var missing []string
			for path := range paths {
				if !reads[dir].covers(path) {
					missing = append(missing, path)
				}
			}
			sort.Strings(missing)
			for _, m := range missing {
				t.Errorf("%s: %s writes %s, which testcharts/%s does not read", c.name, r.Name, m, dir)
			}
		}
	}
}
