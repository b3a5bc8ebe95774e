package verify

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/harborapi"
	"github.com/harbor-installer/harbor-installer/render"
	"github.com/harbor-installer/harbor-installer/steps"
)

// BlobKey is where distribution's s3 driver keeps a blob under its
// rootdirectory (the installer leaves it empty).
func BlobKey(root string, h v1.Hash) string {
	return path.Join(root, "docker/registry/v2/blobs", h.Algorithm, h.Hex[:2], h.Hex, "data")
}

// storageKey is the answer that decides where blobs go.
func storageKey(a *answers.Answers) string {
	switch a.BlobStore() {
	case "minio":
		return "minio.bucket"
	case "s3":
		return "s3.bucket"
	}
	return "harbor.volumes.registry"
}

// redirects remembers where blob requests were redirected to.
type redirects struct {
	base http.RoundTripper
	mu   sync.Mutex
	to   []string
}

// RoundTrip passes the request on and notes blob redirects.
func (r *redirects) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.base.RoundTrip(req)
	if err == nil && resp.StatusCode/100 == 3 && strings.Contains(req.URL.Path, "/blobs/") {
		if loc, lerr := url.Parse(resp.Header.Get("Location")); lerr == nil {
			r.mu.Lock()
			r.to = append(r.to, req.URL.ResolveReference(loc).Host)
			r.mu.Unlock()
		}
	}
	return resp, err
}

func (r *redirects) last() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.to) == 0 {
		return ""
	}
	return r.to[len(r.to)-1]
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// storageCheck pushes a tiny generated image through externalURL into a
// throwaway project, pulls it back, compares digests, looks for its blobs
// in the bucket, then deletes artifact and project.
//
// out is named so the deferred cleanup's warnings reach the caller.
func storageCheck(ctx context.Context, a *answers.Answers, o *Options, client *harborapi.Client) (out []steps.Finding) {
	key := storageKey(a)
	proj := "verify-" + randHex(4)
	cctx, cancel := context.WithTimeout(ctx, o.timeout())
	_, err := client.CreateProject(cctx, harborapi.ProjectReq{ProjectName: proj, Metadata: &harborapi.ProjectMetadata{Public: "false"}})
	cancel()
	if err != nil {
		return []steps.Finding{failf("harbor", "cannot create the throwaway project "+proj+": "+err.Error(), "check Harbor core's logs and its database")}
	}
	repo := "probe"
	var pushed v1.Hash
	defer func() {
		if o.KeepProbe {
			return
		}
		// Clean up even when ctx ended, within one timeout.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.timeout())
		defer cancel()
		if pushed.Hex != "" {
			if err := client.DeleteArtifact(cctx, proj, repo, pushed.String()); err != nil && !harborapi.IsStatus(err, http.StatusNotFound) {
				out = append(out, warnf("harbor", "could not delete the probe image: "+err.Error(), "delete project "+proj+" by hand"))
			}
			_ = client.DeleteRepository(cctx, proj, repo)
		}
		if err := client.DeleteProject(cctx, proj); err != nil {
			out = append(out, warnf("harbor", "could not delete the throwaway project "+proj+": "+err.Error(), "delete it by hand in Harbor"))
		}
	}()

	tlsCfg, _ := harborTLS(a)
	rt := &redirects{base: o.transport(tlsCfg)}
	pass, _ := a.Harbor.AdminPassword.Resolve()
	nameOpts := []name.Option{name.StrictValidation}
	if a.Scheme() == "http" {
		nameOpts = append(nameOpts, name.Insecure)
	}
	ref, err := name.NewTag(strings.ToLower(a.Harbor.Domain)+"/"+proj+"/"+repo+":v1", nameOpts...)
	if err != nil {
		return append(out, failf("harbor.domain", "cannot name an image at "+a.Harbor.Domain+": "+err.Error(), "harbor.domain must be a DNS name"))
	}
	img, err := random.Image(1024, 2)
	if err != nil {
		return append(out, failf("harbor", "cannot generate the probe image: "+err.Error(), ""))
	}
	opCtx, cancel := context.WithTimeout(ctx, 2*o.timeout())
	defer cancel()
	ropts := []remote.Option{remote.WithContext(opCtx), remote.WithTransport(rt), remote.WithAuth(&authn.Basic{Username: "admin", Password: pass}), remote.WithRetryBackoff(remote.Backoff{Steps: 1})}
	if err := remote.Write(ref, img, ropts...); err != nil {
		return append(out, blobFailure(a, key, "push", ref.String(), rt, err))
	}
	pushed, _ = img.Digest()
	pulled, err := remote.Image(ref, ropts...)
	if err != nil {
		return append(out, blobFailure(a, key, "pull", ref.String(), rt, err))
	}
	got, err := pulled.Digest()
	if err != nil || got != pushed {
		return append(out, failf(key, fmt.Sprintf("pulled %s back with digest %v, pushed %s", ref, got, pushed), "the registry or a proxy in front of it changes manifests: check Harbor's registry logs"))
	}
	blobs := []v1.Hash{}
	cfg, _ := pulled.ConfigName()
	blobs = append(blobs, cfg)
	layers, err := pulled.Layers()
	if err != nil {
		return append(out, blobFailure(a, key, "pull", ref.String(), rt, err))
	}
	for _, l := range layers {
		d, _ := l.Digest()
		blobs = append(blobs, d)
		rc, err := l.Compressed()
		if err == nil {
			_, err = io.Copy(io.Discard, rc)
			rc.Close()
		}
		if err != nil {
			return append(out, blobFailure(a, key, "pull", ref.String()+"@"+d.String(), rt, err))
		}
	}
	out = append(out, okf(key, fmt.Sprintf("pushed %s through %s and pulled it back: same digest %s", ref, a.ExternalURL(), short(pushed))))
	out = append(out, bucketCheck(ctx, a, o, key, blobs)...)
	return out
}

func short(h v1.Hash) string {
	if len(h.Hex) < 12 {
		return h.String()
	}
	return h.Algorithm + ":" + h.Hex[:12]
}

// blobFailure names a push or pull failure: a redirect to a blob store
// this machine cannot reach (the regionendpoint pitfall), a timeout, or
// the registry's own error.
func blobFailure(a *answers.Answers, key, what, ref string, rt *redirects, err error) steps.Finding {
	if host := rt.last(); host != "" && what == "pull" {
		return failf("s3.disableRedirect", fmt.Sprintf("%s of %s was redirected to the blob store at %s, which this machine cannot reach: %v", what, ref, host, err),
			"clients follow the registry's redirects to the S3 endpoint (regionendpoint): set s3.disableRedirect: true so Harbor proxies blob downloads, or give s3.endpoint a URL clients can reach")
	}
	if isTimeout(err) || errors.Is(err, context.DeadlineExceeded) {
		return failf(key, fmt.Sprintf("%s of %s timed out: %v", what, ref, err),
			"the registry could not reach its blob store in time: check the registry pod's logs for the storage driver's errors (endpoint, region, credentials)")
	}
	return failf(key, fmt.Sprintf("%s of %s failed: %v", what, ref, err),
		"check Harbor's registry pod logs: the storage driver's error names the bucket, endpoint or credential problem")
}

// bucketCheck looks for the blobs in the bucket the answers name.
func bucketCheck(ctx context.Context, a *answers.Answers, o *Options, key string, blobs []v1.Hash) []steps.Finding {
	store := a.BlobStore()
	if store == "filesystem" {
		return nil
	}
	var endpoint, bucket, region, caFile string
	var ak, sk string
	var skRef answers.SecretRef
	switch store {
	case "minio":
		endpoint, bucket, region = o.S3Endpoint, a.MinIO.Bucket, "us-east-1"
		ak, skRef = a.MinIO.HarborUser, a.MinIO.HarborSecretKey
		if endpoint == "" {
			return []steps.Finding{warnf(key, "blobs not looked for in bucket "+bucket+": the in-cluster MinIO cannot be reached from here",
				"give --s3-endpoint URL (e.g. after kubectl -n "+a.MinIO.Namespace+" port-forward svc/"+a.MinIO.ReleaseName+" 9000) to see the blobs land in the bucket")}
		}
		if skRef.Kind() == answers.SecretEmpty {
			// Generated at install: it lives in the Secret the plan made.
			secret := render.MinIOUserSecret(a, "harbor")
			if o.Cluster == nil {
				return []steps.Finding{warnf(key, "blobs not looked for in bucket "+bucket+": minio.harborSecretKey was generated at install and the cluster cannot be read",
					"check cluster.kubeconfig, or set minio.harborSecretKey to env:NAME or file:PATH")}
			}
			cctx, cancel := context.WithTimeout(ctx, o.timeout())
			v, err := o.Cluster.SecretValue(cctx, a.MinIO.Namespace, secret, "secretKey")
			cancel()
			if err != nil || v == "" {
				why := ""
				if err != nil {
					why = ": " + err.Error()
				}
				return []steps.Finding{warnf(key, fmt.Sprintf("blobs not looked for in bucket %s: no generated key in Secret %s/%s%s", bucket, a.MinIO.Namespace, secret, why),
					"install first (it makes the Secret), or set minio.harborSecretKey to env:NAME or file:PATH")}
			}
			sk = v
		}
	case "s3":
		endpoint, bucket, region, caFile = a.S3.Endpoint, a.S3.Bucket, a.S3.Region, a.S3.CAFile
		if o.S3Endpoint != "" {
			endpoint = o.S3Endpoint
		}
		if endpoint == "" {
			endpoint = "https://s3." + region + ".amazonaws.com"
		}
		akv, err := a.S3.AccessKey.Resolve()
		if err != nil {
			return []steps.Finding{failf("s3.accessKey", fmt.Sprintf("s3.accessKey (%s) cannot be read: %v", a.S3.AccessKey, err), "make the reference readable")}
		}
		ak, skRef = akv, a.S3.SecretKey
	}
	if sk == "" {
		v, err := skRef.Resolve()
		if err != nil {
			return []steps.Finding{failf(key, fmt.Sprintf("the bucket's secret key (%s) cannot be read: %v", skRef, err), "make the reference readable")}
		}
		sk = v
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return []steps.Finding{failf("s3.endpoint", fmt.Sprintf("%q is not a URL", endpoint), "write https://host:port")}
	}
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pool, err := readPool(caFile)
		if err != nil {
			return []steps.Finding{failf("s3.caFile", err.Error(), "give a PEM CA bundle")}
		}
		tlsCfg.RootCAs = pool
	}
	mc, err := minio.New(u.Host, &minio.Options{Creds: credentials.NewStaticV4(ak, sk, ""), Secure: u.Scheme == "https", Region: region,
		Transport: o.transport(tlsCfg), BucketLookup: minio.BucketLookupAuto})
	if err != nil {
		return []steps.Finding{failf(key, "cannot make an S3 client for "+endpoint+": "+err.Error(), "")}
	}
	cctx, cancel := context.WithTimeout(ctx, o.timeout())
	defer cancel()
	var missing []string
	for _, h := range blobs {
		k := BlobKey("", h)
		if _, err := mc.StatObject(cctx, bucket, k, minio.StatObjectOptions{}); err != nil {
			if minio.ToErrorResponse(err).StatusCode != http.StatusNotFound {
				return []steps.Finding{failf(key, fmt.Sprintf("cannot look into bucket %s at %s: %v", bucket, endpoint, err),
					"check that the credentials may read the bucket and the endpoint is right")}
			}
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return []steps.Finding{failf(key, fmt.Sprintf("%d of %d blobs of the pushed image never reached bucket %s at %s (missing %s)", len(missing), len(blobs), bucket, endpoint, missing[0]),
			fmt.Sprintf("Harbor's registry does not store blobs in %s: check its storage settings (persistence.imageChartStorage: type s3, bucket, regionendpoint) and that the registry pods were restarted after a change", bucket))}
	}
	return []steps.Finding{okf(key, fmt.Sprintf("all %d blobs of the pushed image are in bucket %s under docker/registry/v2/blobs", len(blobs), bucket))}
}
