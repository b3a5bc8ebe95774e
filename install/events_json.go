package install

import (
	"encoding/json"
	"time"
)

// JSON durations are whole milliseconds (the fields end in "Ms"): a
// time.Duration would marshal as nanoseconds, which no reader expects.

func ms(d time.Duration) int64 { return d.Milliseconds() }

// MarshalJSON writes Elapsed and StalledFor in milliseconds.
func (e Event) MarshalJSON() ([]byte, error) {
	type plain Event
	return json.Marshal(struct {
		plain
		Elapsed    int64 `json:"elapsedMs"`
		StalledFor int64 `json:"stalledForMs,omitempty"`
	}{plain(e), ms(e.Elapsed), ms(e.StalledFor)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (e *Event) UnmarshalJSON(b []byte) error {
	type plain Event
	var v struct {
		plain
		Elapsed    int64 `json:"elapsedMs"`
		StalledFor int64 `json:"stalledForMs,omitempty"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*e = Event(v.plain)
	e.Elapsed = time.Duration(v.Elapsed) * time.Millisecond
	e.StalledFor = time.Duration(v.StalledFor) * time.Millisecond
	return nil
}

// MarshalJSON writes Elapsed in milliseconds.
func (s Summary) MarshalJSON() ([]byte, error) {
	type plain Summary
	return json.Marshal(struct {
		plain
		Elapsed int64 `json:"elapsedMs"`
	}{plain(s), ms(s.Elapsed)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (s *Summary) UnmarshalJSON(b []byte) error {
	type plain Summary
	var v struct {
		plain
		Elapsed int64 `json:"elapsedMs"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = Summary(v.plain)
	s.Elapsed = time.Duration(v.Elapsed) * time.Millisecond
	return nil
}

// MarshalJSON writes Elapsed in milliseconds.
func (r ReleaseSummary) MarshalJSON() ([]byte, error) {
	type plain ReleaseSummary
	return json.Marshal(struct {
		plain
		Elapsed int64 `json:"elapsedMs"`
	}{plain(r), ms(r.Elapsed)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (r *ReleaseSummary) UnmarshalJSON(b []byte) error {
	type plain ReleaseSummary
	var v struct {
		plain
		Elapsed int64 `json:"elapsedMs"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*r = ReleaseSummary(v.plain)
	r.Elapsed = time.Duration(v.Elapsed) * time.Millisecond
	return nil
}
