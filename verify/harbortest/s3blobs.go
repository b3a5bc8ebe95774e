package harbortest

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"path"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/minio/minio-go/v7"
)

// S3Blobs stores registry blobs in a real bucket where Harbor's registry
// (distribution's s3 driver) keeps them:
// <root>/docker/registry/v2/blobs/sha256/<2 hex>/<hex>/data.
type S3Blobs struct {
	Client *minio.Client
	Bucket string
	Root   string // rootdirectory; "" for the bucket's top
	// RedirectTo, when set, makes blob downloads redirect (307) to a
	// presigned URL whose scheme and host are replaced by it, as the
	// registry does with redirect on and a regionendpoint clients cannot
	// reach.
	RedirectTo string
}

// BlobKey is the object key of a blob under root.
func BlobKey(root string, h v1.Hash) string {
	return path.Join(root, "docker/registry/v2/blobs", h.Algorithm, h.Hex[:2], h.Hex, "data")
}

func (b *S3Blobs) key(h v1.Hash) string { return BlobKey(b.Root, h) }

// Stat implements registry.BlobStatHandler.
func (b *S3Blobs) Stat(ctx context.Context, _ string, h v1.Hash) (int64, error) {
	info, err := b.Client.StatObject(ctx, b.Bucket, b.key(h), minio.StatObjectOptions{})
	if err != nil {
		if minio.ToErrorResponse(err).StatusCode == http.StatusNotFound {
			return 0, registry.ErrNotFound
		}
		return 0, err
	}
	return info.Size, nil
}

// Get implements registry.BlobHandler.
func (b *S3Blobs) Get(ctx context.Context, repo string, h v1.Hash) (io.ReadCloser, error) {
	if b.RedirectTo != "" {
		u, err := b.Client.PresignedGetObject(ctx, b.Bucket, b.key(h), 10*time.Minute, url.Values{})
		if err != nil {
			return nil, err
		}
		to, err := url.Parse(b.RedirectTo)
		if err != nil {
			return nil, err
		}
		u.Scheme, u.Host = to.Scheme, to.Host
		return nil, registry.RedirectError{Location: u.String(), Code: http.StatusTemporaryRedirect}
	}
	if _, err := b.Stat(ctx, repo, h); err != nil {
		return nil, err
	}
	o, err := b.Client.GetObject(ctx, b.Bucket, b.key(h), minio.GetObjectOptions{})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// Put implements registry.BlobPutHandler.
func (b *S3Blobs) Put(ctx context.Context, _ string, h v1.Hash, rc io.ReadCloser) error {
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return err
	}
	_, err = b.Client.PutObject(ctx, b.Bucket, b.key(h), bytesReader(data), int64(len(data)), minio.PutObjectOptions{ContentType: "application/octet-stream"})
	return err
}

// Delete implements registry.BlobDeleteHandler.
func (b *S3Blobs) Delete(ctx context.Context, _ string, h v1.Hash) error {
	err := b.Client.RemoveObject(ctx, b.Bucket, b.key(h), minio.RemoveObjectOptions{})
	if err != nil && minio.ToErrorResponse(err).StatusCode != http.StatusNotFound {
		return err
	}
	return nil
}

var _ interface {
	registry.BlobStatHandler
	registry.BlobPutHandler
	registry.BlobDeleteHandler
} = (*S3Blobs)(nil)
