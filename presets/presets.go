// Package presets embeds the named answer sets that `--preset NAME` starts
// from. A preset is an ordinary answers file; its first line is
// "# summary: ..." for `harbor-installer presets`.
package presets

import (
	"embed"
	"sort"
	"strings"
)

//go:embed *.yaml
var files embed.FS

// Info names and describes one preset.
type Info struct {
	Name    string
	Summary string
}

// Get returns the preset's YAML.
func Get(name string) ([]byte, bool) {
	b, err := files.ReadFile(name + ".yaml")
	if err != nil {
		return nil, false
	}
	return b, true
}

// Names lists the presets in name order.
func Names() []string {
	var out []string
	for _, i := range List() {
		out = append(out, i.Name)
	}
	return out
}

// List describes every preset, in name order.
func List() []Info {
	entries, _ := files.ReadDir(".")
	var out []Info
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".yaml")
		b, _ := files.ReadFile(e.Name())
		first, _, _ := strings.Cut(string(b), "\n")
		out = append(out, Info{Name: name, Summary: strings.TrimSpace(strings.TrimPrefix(first, "# summary:"))})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
