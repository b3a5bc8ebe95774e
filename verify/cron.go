package verify

import (
	"fmt"
	"strings"
)

// DefaultReplicationCron is migration.schedule's default: twice a day.
const DefaultReplicationCron = "0 0 */12 * * *"

// HarborCron turns a cron expression into Harbor's six-field form
// (seconds first): five fields get "0" seconds in front, six pass as they
// are. (The field checks of migration.schedule live in steps/; this is the
// conversion Setup needs to send the trigger.)
func HarborCron(s string) (string, error) {
	f := strings.Fields(s)
	switch len(f) {
	case 0:
		return DefaultReplicationCron, nil
	case 5:
		return "0 " + strings.Join(f, " "), nil
	case 6:
		return strings.Join(f, " "), nil
	}
	return "", fmt.Errorf("%q has %d fields: want five (minute hour day month weekday) or Harbor's six (seconds first)", s, len(f))
}
