//go:build e2e

package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/harbor-installer/harbor-installer/steps"
)

// TestValidateS3ReadOnly runs the s3 and backup live checks against the
// real MinIO: a missing bucket fails on its key and is not created, and
// the probe leaves no object behind.
func TestValidateS3ReadOnly(t *testing.T) {
	w := theWorld(t)
	mc, err := w.minioClient()
	if err != nil {
		t.Fatal(err)
	}
	checks := steps.LiveChecks()
	ctx := context.Background()
	a := load(t, edit(t, w.s3Answers(), "bucket: harbor-backups", "bucket: harbor-never-made"))
	env := &steps.Env{Timeout: e2eTimeout}
	fs := append(checks["minio"](ctx, a, env), checks["backup"](ctx, a, env)...)
	if got := strings.Join(keysAt(fs, steps.Fail), ","); got != "backup.bucket" {
		t.Errorf("fails on %q, want backup.bucket:\n%s", got, dump(fs))
	}
	if ok, err := mc.BucketExists(ctx, "harbor-never-made"); err != nil || ok {
		t.Errorf("validate made the missing bucket (exists %v, %v)", ok, err)
	}
	if got := keysAt(fs, steps.OK); !strings.Contains(strings.Join(got, ","), "s3.bucket") {
		t.Errorf("s3.bucket not ok:\n%s", dump(fs))
	}
	for o := range mc.ListObjects(ctx, "harbor-blobs", minio.ListObjectsOptions{Prefix: steps.ProbePrefix, Recursive: true}) {
		t.Errorf("probe object left behind: %s (%v)", o.Key, o.Err)
	}
}
