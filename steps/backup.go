package steps

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/harbor-installer/harbor-installer/answers"
)

func backupStep() Step {
	return Step{
		Name:     "backup",
		Title:    "Backup",
		Keys:     []string{"backup"},
		Validate: validateBackup,
		Check:    backupLive,
	}
}

func validateBackup(a *answers.Answers) []Finding {
	b := a.Backup
	if !b.Enabled {
		return []Finding{ok("backup.enabled", "false: no Velero backups")}
	}
	var out []Finding
	switch a.BlobStore() {
	case "filesystem":
		out = append(out, fail("backup.enabled", "backups need an object store, but neither MinIO nor S3 is configured", "set minio.enabled: true or configure s3.*"))
	case "minio":
		if b.Bucket == a.MinIO.Bucket {
			out = append(out, fail("backup.bucket", fmt.Sprintf("%q is also Harbor's blob bucket", b.Bucket), "give backups their own bucket, e.g. harbor-backups"))
		}
	case "s3":
		if b.Bucket == a.S3.Bucket {
			out = append(out, fail("backup.bucket", fmt.Sprintf("%q is also Harbor's blob bucket", b.Bucket), "give backups their own bucket, e.g. harbor-backups"))
		}
	}
	out = append(out, checkBucket("backup.bucket", b.Bucket)...)
	out = append(out, checkK8sName("backup.namespace", b.Namespace, true)...)
	if _, err := cron.ParseStandard(b.Schedule); err != nil {
		out = append(out, fail("backup.schedule", fmt.Sprintf("%q is not a cron schedule: %v", b.Schedule, err), "five fields: minute hour day-of-month month day-of-week, e.g. '0 2 * * *'"))
	}
	if d, err := time.ParseDuration(b.TTL); err != nil || d <= 0 {
		out = append(out, fail("backup.ttl", fmt.Sprintf("%q is not a positive duration", b.TTL), "write hours, e.g. 720h for 30 days"))
	}
	if strings.HasSuffix(b.PluginImage, ":v1.14.2") {
		out = append(out, fail("backup.pluginImage", "velero-plugin-for-aws v1.14.2 corrupts backups on S3-compatible stores", "use v1.14.1"))
	} else if b.PluginImage == "" {
		out = append(out, fail("backup.pluginImage", "required but empty", "give the velero-plugin-for-aws image"))
	}
	return out
}
