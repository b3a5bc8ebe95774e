package install

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/harbor-installer/harbor-installer/kube/model"
	"github.com/harbor-installer/harbor-installer/steps"
)

// TestEventsDocumented fails when an event type or a JSON field of an
// event is missing from docs/events.md.
func TestEventsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/events.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	// Every EventType constant, read from the source so a new one cannot
	// be forgotten here as well.
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "events.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	ast.Inspect(f, func(node ast.Node) bool {
		vs, ok := node.(*ast.ValueSpec)
		if !ok || vs.Type == nil {
			return true
		}
		if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "EventType" {
			return true
		}
		for _, v := range vs.Values {
			lit, ok := v.(*ast.BasicLit)
			if !ok {
				continue
			}
			s, _ := strconv.Unquote(lit.Value)
			n++
			if !strings.Contains(text, "| `"+s+"` |") {
				t.Errorf("event type %s is not documented in docs/events.md", s)
			}
		}
		return true
	})
	if n < 20 {
		t.Fatalf("found only %d event types in events.go", n)
	}
	for _, typ := range []reflect.Type{reflect.TypeOf(Event{}), reflect.TypeOf(ReleaseInfo{}), reflect.TypeOf(Summary{}),
		reflect.TypeOf(ReleaseSummary{}), reflect.TypeOf(model.ObjectRef{}), reflect.TypeOf(model.Blocker{}), reflect.TypeOf(steps.Finding{})} {
		for i := 0; i < typ.NumField(); i++ {
			name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			if !strings.Contains(text, "| `"+name+"` |") {
				t.Errorf("%s field %s (json %q) is not documented in docs/events.md", typ.Name(), typ.Field(i).Name, name)
			}
		}
	}
}
