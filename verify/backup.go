package verify

import (
	"context"
	"fmt"
	"strings"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/steps"
)

// backupChecks reads Velero's state: a BackupStorageLocation is Available
// and a Schedule runs with backup.schedule.
func backupChecks(ctx context.Context, a *answers.Answers, o *Options) []steps.Finding {
	if o.Cluster == nil {
		why := "no cluster"
		if o.ClusterErr != nil {
			why = o.ClusterErr.Error()
		}
		return []steps.Finding{failf("backup.enabled", "cannot read Velero's state: "+why, "check cluster.kubeconfig and cluster.context")}
	}
	cctx, cancel := context.WithTimeout(ctx, o.timeout())
	defer cancel()
	st, err := o.Cluster.Velero(cctx, a.Backup.Namespace)
	if err != nil {
		return []steps.Finding{failf("backup.enabled", "cannot read Velero's state in namespace "+a.Backup.Namespace+": "+err.Error(), "check that Velero is installed there (backup.namespace)")}
	}
	var out []steps.Finding
	var phases []string
	avail := ""
	for _, l := range st.Locations {
		if l.Phase == "Available" {
			avail = l.Name
		}
		p := l.Phase
		if p == "" {
			p = "no phase yet"
		}
		phases = append(phases, l.Name+": "+p)
	}
	switch {
	case avail != "":
		out = append(out, okf("backup.bucket", "BackupStorageLocation "+avail+" is Available"))
	case len(st.Locations) == 0:
		out = append(out, failf("backup.bucket", "no BackupStorageLocation in namespace "+a.Backup.Namespace, "the Velero release did not create one: check its values (configuration.backupStorageLocation)"))
	default:
		out = append(out, failf("backup.bucket", "no BackupStorageLocation is Available ("+strings.Join(phases, ", ")+")",
			fmt.Sprintf("kubectl -n %s describe backupstoragelocation: check backup.bucket exists and Velero's credentials and s3Url reach it", a.Backup.Namespace)))
	}
	var crons []string
	for _, s := range st.Schedules {
		if strings.Join(strings.Fields(s.Schedule), " ") == strings.Join(strings.Fields(a.Backup.Schedule), " ") {
			return append(out, okf("backup.schedule", fmt.Sprintf("Schedule %s runs at %q", s.Name, s.Schedule)))
		}
		crons = append(crons, s.Name+" "+s.Schedule)
	}
	seen := "no Velero Schedule in namespace " + a.Backup.Namespace
	if len(crons) > 0 {
		seen = fmt.Sprintf("no Schedule runs at %q (found %s)", a.Backup.Schedule, strings.Join(crons, ", "))
	}
	return append(out, failf("backup.schedule", seen, "install again so the Velero release creates the schedule from backup.schedule"))
}
