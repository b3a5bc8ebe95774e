package ui

import (
	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/install"
	"github.com/harbor-installer/harbor-installer/kube"
	"github.com/harbor-installer/harbor-installer/steps"
)

// Messages. Results of commands carry the sequence number they were started
// with so a result that arrives after the input changed is dropped.

// clusterInfoMsg is a finished cluster probe.
type clusterInfoMsg struct {
	seq  int
	info ClusterInfo
}

// liveTickMsg fires when typing paused; seq says which edit it belongs to.
type liveTickMsg struct{ step, seq int }

// liveResultMsg is a finished live check of one step.
type liveResultMsg struct {
	step, seq int
	fp        string
	findings  []steps.Finding
}

// optionsMsg carries a list of choices read from the cluster.
type optionsMsg struct {
	src  pickSource
	opts []option
	err  error
}

// zonesMsg carries the nodes per zone, for the MinIO picture.
type zonesMsg struct {
	zones []kube.ZoneInfo
	err   error
}

// loadedMsg is the welcome screen's choice turned into answers.
type loadedMsg struct {
	a   *answers.Answers
	err error
}

// installEventMsg is one engine event; installDoneMsg ends the run.
type installEventMsg struct{ ev install.Event }

type installDoneMsg struct {
	sum *install.Summary
	err error
}

// verifyFindingMsg is one finding of the proof after the install;
// verifyDoneMsg ends it.
type verifyFindingMsg struct{ f steps.Finding }

type verifyDoneMsg struct {
	findings []steps.Finding
	err      error
}

// secondTickMsg refreshes clocks on the install screen.
type secondTickMsg struct{}

// option is one listed choice: the value written into the answer and a
// description of what the cluster says about it.
type option struct{ value, desc string }
