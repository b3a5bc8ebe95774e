package answers

import (
	"fmt"
	"strings"

	"github.com/robfig/cron/v3"
)

// harborCronParser reads cron the way Harbor's scheduler does: six fields,
// seconds first (Harbor refuses any other count).
var harborCronParser = cron.NewParser(cron.Second | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// cronDescriptors are the @ shorthands in Harbor's six-field form.
var cronDescriptors = map[string]string{
	"@yearly":   "0 0 0 1 1 *",
	"@annually": "0 0 0 1 1 *",
	"@monthly":  "0 0 0 1 * *",
	"@weekly":   "0 0 0 * * 0",
	"@daily":    "0 0 0 * * *",
	"@midnight": "0 0 0 * * *",
	"@hourly":   "0 0 * * * *",
}

// HarborCron returns schedule in the six-field form Harbor's replication
// policies take (seconds first, e.g. "0 0 */12 * * *"). A five-field
// schedule (minute first, as crontab and backup.schedule) gets second 0
// prepended; an @daily-style shorthand is spelled out; six fields are
// checked and kept. The install engine and the post-install proof use the
// same conversion, so what validate shows is what Harbor gets.
func HarborCron(schedule string) (string, error) {
	s := strings.TrimSpace(schedule)
	if s == "" {
		return "", fmt.Errorf("empty schedule")
	}
	if d, ok := cronDescriptors[strings.ToLower(s)]; ok {
		return d, nil
	}
	fields := strings.Fields(s)
	switch len(fields) {
	case 5:
		fields = append([]string{"0"}, fields...)
	case 6:
	default:
		return "", fmt.Errorf("%q has %d fields; want 6 (second minute hour day-of-month month day-of-week) or 5 (minute first)", s, len(fields))
	}
	out := strings.Join(fields, " ")
	if _, err := harborCronParser.Parse(out); err != nil {
		return "", fmt.Errorf("%q is not a cron schedule: %v", s, err)
	}
	return out, nil
}
