package steps

import (
	"context"
	"fmt"

	"github.com/harbor-installer/harbor-installer/answers"
)

// backupLive checks the backup bucket: on external S3 as Harbor's own blobs
// are checked; on MinIO it is made at install, so there is nothing to check.
func backupLive(ctx context.Context, a *answers.Answers, env *Env) []Finding {
	if !a.Backup.Enabled {
		return nil
	}
	switch a.BlobStore() {
	case "minio":
		return []Finding{ok("backup.bucket", fmt.Sprintf("bucket %s is made in the cluster's MinIO at install; nothing to check before", a.Backup.Bucket))}
	case "s3":
		return s3Live(ctx, a, env, a.Backup.Bucket, "backup.bucket")
	}
	return nil
}
