package answers

import "testing"

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0 drives", 1: "1 drive", 2: "2 drives", 16: "16 drives"} {
		if got := Count(n, "drive"); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}
