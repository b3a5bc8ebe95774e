package harness

import (
	_ "embed"
	"strconv"
	"strings"
	"time"
)

// kwokStagesYAML is kwok's configuration: the node and pod stages of the
// simulated kubelet, with the harness's fault modes.
//
//go:embed kwok_stages.yaml
var kwokStagesYAML string

// kwokStages fills the delays of ClusterOptions into the stages. kwok adds
// to each delay a random amount up to its "jitter" bound.
func kwokStages(o ClusterOptions) string {
	ms := func(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }
	return strings.NewReplacer(
		"${START_DELAY_MS}", ms(o.PodStartDelay),
		"${START_JITTER_MS}", ms(o.PodStartDelay+o.PodJitter),
		"${READY_DELAY_MS}", ms(o.PodReadyDelay),
		"${READY_JITTER_MS}", ms(o.PodReadyDelay+o.PodJitter),
		"${JOB_DELAY_MS}", ms(o.JobDuration),
		"${JOB_JITTER_MS}", ms(o.JobDuration+o.PodJitter),
	).Replace(kwokStagesYAML)
}
