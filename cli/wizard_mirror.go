package cli

import (
	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/render"
)

// wizardMirror applies HARBOR_INSTALLER_CHART_MIRROR to the plan the wizard
// installs. The commands apply it when they load answers (answerFlags.load),
// but the wizard loads its own, so without this `make demo`'s wizard would
// fetch the pinned charts from the Internet instead of the demo's loopback
// repository. As in the commands, only charts still at their pinned default
// source move: a source the admin changed is theirs. a is not modified (it
// is what the wizard saved).
func wizardMirror(a *answers.Answers, plan *render.Plan) (*render.Plan, error) {
	mirror := getenv(ChartMirrorEnv)
	if mirror == "" {
		return plan, nil
	}
	def, err := answers.Load(answers.Options{})
	if err != nil {
		return nil, err
	}
	l := &answers.Loaded{Answers: *a, Origins: map[string]answers.Position{}}
	d := def.Answers.Charts
	for key, differs := range map[string]bool{
		"harbor":  a.Charts.Harbor.Source != d.Harbor.Source,
		"minio":   a.Charts.MinIO.Source != d.MinIO.Source,
		"trident": a.Charts.Trident.Source != d.Trident.Source,
		"velero":  a.Charts.Velero.Source != d.Velero.Source,
	} {
		if differs {
			l.Origins["charts."+key+".source"] = answers.Position{Source: "wizard"}
		}
	}
	changed, err := applyChartMirror(l, mirror)
	if err != nil || len(changed) == 0 {
		return plan, err
	}
	return render.Build(&l.Answers)
}
