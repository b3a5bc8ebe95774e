package model

import "testing"

func TestSameValues(t *testing.T) {
	cases := []struct {
		a, b map[string]any
		want bool
	}{
		{nil, map[string]any{}, true},
		{map[string]any{"replicas": 4}, map[string]any{"replicas": 4.0}, true},
		{map[string]any{"a": map[string]any{"b": []any{1, "x"}}}, map[string]any{"a": map[string]any{"b": []any{1.0, "x"}}}, true},
		{map[string]any{"replicas": 4}, map[string]any{"replicas": 6}, false},
		{map[string]any{"a": nil}, map[string]any{}, false},
		{map[string]any{"f": func() {}}, map[string]any{"f": func() {}}, false},
	}
	for i, c := range cases {
		if got := SameValues(c.a, c.b); got != c.want {
			t.Errorf("case %d: SameValues(%v, %v) = %v, want %v", i, c.a, c.b, got, c.want)
		}
	}
}
