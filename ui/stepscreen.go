package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/steps"
)

// debounce is how long typing must pause before live checks run.
const debounce = 300 * time.Millisecond

// stepScreen is one step's form: its fields, the findings of its field
// checks (run on every keystroke) and of its live checks (run after a pause,
// remembered per answers fingerprint so going back and forth does not
// re-check what did not change).
type stepScreen struct {
	step   steps.Step
	fields []*field
	focus  int // index into visible()

	fieldFindings []steps.Finding

	liveSeq     int
	liveRunning bool
	liveCancel  context.CancelFunc
	liveFP      string // answers the findings below were checked against
	live        []steps.Finding
	visited     bool
	// acceptedWarn is the warnings text the admin accepted; new or changed
	// warnings need a new accept.
	acceptedWarn string
	// advanceWhenDone continues to the next step once running checks end
	// without a fail or an unaccepted warning.
	advanceWhenDone bool
	notice          string
}

func newStepScreen(s steps.Step, defs []fieldDef, a *answers.Answers, unicode bool) *stepScreen {
	sc := &stepScreen{step: s}
	for _, d := range defs {
		sc.fields = append(sc.fields, newField(d, a, unicode))
	}
	sc.validate(a)
	return sc
}

// visible are the fields that apply to the current answers.
func (sc *stepScreen) visible(a *answers.Answers) []*field {
	var out []*field
	for _, f := range sc.fields {
		if f.def.applies(a) {
			out = append(out, f)
		}
	}
	return out
}

func (sc *stepScreen) focused(a *answers.Answers) *field {
	v := sc.visible(a)
	if len(v) == 0 {
		return nil
	}
	if sc.focus >= len(v) {
		sc.focus = len(v) - 1
	}
	return v[sc.focus]
}

// validate runs the step's field checks.
func (sc *stepScreen) validate(a *answers.Answers) {
	sc.fieldFindings = sc.step.Validate(a)
}

// findings are field and live findings; live ones only when they were
// checked against the current answers.
func (sc *stepScreen) findings(fp string) []steps.Finding {
	out := append([]steps.Finding(nil), sc.fieldFindings...)
	if sc.liveFP == fp {
		out = append(out, sc.live...)
	}
	return out
}

func warnText(fs []steps.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		if f.Level == steps.Warn {
			b.WriteString(f.Key + f.Seen + "\n")
		}
	}
	return b.String()
}

// state is the step's mark in the side list.
func (sc *stepScreen) state(fp string) steps.Level {
	return steps.Worst(sc.findings(fp))
}

// fingerprint identifies the answers a live check saw: their saved form
// plus the typed secrets, which the saved form does not show.
func fingerprint(a *answers.Answers, secretEdits int) string {
	b, err := yaml.Marshal(a)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%d\n%s", secretEdits, b)
}

func hasWarn(fs []steps.Finding) bool {
	for _, f := range fs {
		if f.Level == steps.Warn {
			return true
		}
	}
	return false
}
