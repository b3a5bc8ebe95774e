package ui

import (
	"fmt"
	"strings"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/steps"
)

// minioLayout draws MinIO's pools over the cluster's zones: which pod of
// which pool lands in which zone when spread, and under it what the layout
// tolerates. The sentence is the steps package's own finding, so the picture
// and `validate` never disagree on the rule.
func (m *Model) minioLayout(sc *stepScreen, w int) []string {
	st, mk := m.st, m.st.Marks
	mi := m.a.MinIO
	var out []string
	if mi.Zones < 1 || mi.NodesPerZone < 1 || mi.DrivesPerNode < 1 {
		return nil
	}
	out = append(out, st.Subtitle.Render(fmt.Sprintf("%s x %s x %s of %s", answers.Count(mi.Zones, "pool"), answers.Count(mi.NodesPerZone, "node"), answers.Count(mi.DrivesPerNode, "drive"), mi.VolumeSize)))
	zones := m.zones
	names := make([]string, 0, len(zones))
	for _, z := range zones {
		name := z.Name
		if name == "" {
			name = "(no zone)"
		}
		names = append(names, fmt.Sprintf("%s (%d nodes)", name, z.Nodes))
	}
	if len(names) == 0 {
		names = []string{"zone ?"}
	}
	if !mi.SpreadAcrossZones {
		names = []string{"not spread"}
	}
	// Round-robin, as topology spread with maxSkew 1 places one pool's pods.
	cells := make([][]string, len(names))
	for p := 1; p <= mi.Zones; p++ {
		for n := 0; n < mi.NodesPerZone; n++ {
			z := n % len(names)
			cells[z] = append(cells[z], fmt.Sprintf("%s p%d%sn%d", mk.Block, p, mk.Dot, n))
		}
	}
	nameW := 0
	for _, n := range names {
		nameW = max(nameW, len(n))
	}
	for i, n := range names {
		row := "  " + n + strings.Repeat(" ", nameW-len(n)) + "  "
		if len(cells[i]) == 0 {
			row += st.Dim.Render(mk.Dot + " nothing here")
		} else {
			row += strings.Join(cells[i], "  ")
		}
		out = append(out, m.trunc(row, w))
	}
	for _, fd := range sc.fieldFindings {
		if fd.Key == "minio.zones" && fd.Level == steps.OK {
			out = append(out, m.findingLines(fd, 0, w)...)
		}
	}
	return out
}
