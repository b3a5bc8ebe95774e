package answers

import "testing"

func TestHarborCron(t *testing.T) {
	for in, want := range map[string]string{
		"0 0 */12 * * *":  "0 0 */12 * * *",
		"0 */12 * * *":    "0 0 */12 * * *",
		"  30 2 * * 1-5 ": "0 30 2 * * 1-5",
		"@daily":          "0 0 0 * * *",
		"@Hourly":         "0 0 * * * *",
		"15 0 3 1 * *":    "15 0 3 1 * *",
	} {
		got, err := HarborCron(in)
		if err != nil || got != want {
			t.Errorf("HarborCron(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "every day", "* * *", "0 0 0 0 * * * *", "61 * * * *", "0 0 25 * * *", "@sometimes"} {
		if got, err := HarborCron(bad); err == nil {
			t.Errorf("HarborCron(%q) = %q, want an error", bad, got)
		}
	}
}
