package render

import "github.com/harbor-installer/harbor-installer/answers"

// MinIOUserSecret names the Secret in minio.namespace that holds the
// generated key of MinIO user role ("harbor" or "velero") under key
// "secretKey"; verify reads it to look into the bucket.
func MinIOUserSecret(a *answers.Answers, role string) string { return minioUserSecret(a, role) }
