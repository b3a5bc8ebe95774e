package model

import (
	"encoding/json"
	"reflect"
)

// ReleaseDetail is one revision of a release with what its manifest holds
// and, for the status command, how its workloads are doing. Added after
// 917b877 for status, diff and the engine's unchanged releases.
type ReleaseDetail struct {
	ReleaseState
	// Objects and Hooks of the revision's manifest.
	Objects []ObjectRef `json:"objects,omitempty"`
	Hooks   []ObjectRef `json:"hooks,omitempty"`
	// Workloads are the Deployments, StatefulSets and DaemonSets among
	// Objects with their readiness now (ListReleases fills them).
	Workloads []ObjectStatus `json:"workloads,omitempty"`
}

// SameValues reports whether two values trees are equal as Helm stores
// them (JSON): 3 and 3.0 are equal, a nil map equals an empty one. The
// engine uses it to call a release unchanged.
func SameValues(a, b map[string]any) bool {
	na, errA := normalize(a)
	nb, errB := normalize(b)
	if errA != nil || errB != nil {
		return false
	}
	return reflect.DeepEqual(na, nb)
}

func normalize(v map[string]any) (any, error) {
	if len(v) == 0 {
		return map[string]any{}, nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	err = json.Unmarshal(raw, &out)
	return out, err
}
