package render

import (
	"os"
	"path/filepath"
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
// items): exactly, below it, or inside a subtree read whole.
func (r templateReads) covers(path string) bool {
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
	root := filepath.Join(dir, "templates")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
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
		if !strings.HasPrefix(filepath.Base(p), "_") {
			entries = append(entries, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	w := &readWalker{reads: r, trees: trees, walked: map[string]bool{}}
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
// values path.
func join(base string, fields []string) (string, bool) {
	if base == "" {
		return "", false
	}
	if base == "$root" {
		if len(fields) == 0 || fields[0] != "Values" {
			return "", false
		}
		if len(fields) == 1 {
			return "$values", true
		}
		return strings.Join(fields[1:], "."), true
	}
	if base == "$values" {
		if len(fields) == 0 {
			return "", false
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
		return join(dot, a.Ident)
	case *parse.VariableNode:
		base, ok := w.vars[a.Ident[0]]
		if !ok {
			return "", false
		}
		return join(base, a.Ident[1:])
	case *parse.DotNode:
		return dot, dot != "" && dot != "$root" && dot != "$values"
	case *parse.ChainNode:
		if p, ok := a.Node.(*parse.PipeNode); ok {
			base, ok := w.pipe(p, dot)
			if !ok {
				return "", false
			}
			return join(base, a.Field)
		}
		base, ok := w.arg(a.Node, dot)
		if !ok {
			return "", false
		}
		return join(base, a.Field)
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
					w.walk(name, arg)
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
		if path, ok := w.arg(a, dot); ok {
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
