package install

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/harbor-installer/harbor-installer/steps"
)

// TestVerifyFindingEventRoundTrip: a verify.finding event decodes to the
// same finding (the level as its word), as readers of --output json see it.
func TestVerifyFindingEventRoundTrip(t *testing.T) {
	f := steps.Finding{Step: "verify", Key: "cluster", Level: steps.Warn, Seen: "Harbor was not verified end to end", Hint: "install on a real cluster", Live: true}
	ev := Event{Type: VerifyFinding, Time: time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC), Elapsed: 1500 * time.Millisecond, Finding: &f}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	if raw["type"] != "verify.finding" || raw["finding"].(map[string]any)["level"] != "warn" {
		t.Errorf("json %s", b)
	}
	var back Event
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Finding == nil || !reflect.DeepEqual(*back.Finding, f) || back.Elapsed != ev.Elapsed {
		t.Errorf("round trip: %+v", back)
	}
	if err := json.Unmarshal([]byte(`{"type":"verify.finding","finding":{"level":"bad"}}`), &back); err == nil {
		t.Error("an unknown level decoded")
	}
}
