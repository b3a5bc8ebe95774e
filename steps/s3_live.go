package steps

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/harbor-installer/harbor-installer/answers"
)

// s3Target is an S3 endpoint as Harbor's registry will reach it.
type s3Target struct {
	host   string // host:port for minio-go
	secure bool
	shown  string // what the admin wrote (or the AWS default)
}

// parseS3Endpoint reads s3.endpoint exactly as the registry will: only the
// scheme decides http or https; empty means AWS S3 in the region.
func parseS3Endpoint(endpoint, region string) (s3Target, error) {
	if endpoint == "" {
		h := "s3." + region + ".amazonaws.com"
		return s3Target{host: h, secure: true, shown: "https://" + h}, nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return s3Target{}, fmt.Errorf("%q has no http:// or https:// scheme and host", endpoint)
	}
	return s3Target{host: u.Host, secure: u.Scheme == "https", shown: endpoint}, nil
}

// ProbePrefix is where validate's one write probe lives in a bucket. The
// leading dot and the name make it obvious in a bucket listing, and a
// lifecycle rule or a policy can single it out.
const ProbePrefix = ".harbor-installer-probe/"

// s3Live proves an external S3 store works for bucket the way Harbor (and
// Velero) will use it: the endpoint answers with the scheme, port and CA
// given, the credentials are accepted, the bucket exists, and the
// credentials can write, read back and delete. bucketKey is the answer key
// naming the bucket.
//
// validate is read-only: it never creates or deletes a bucket (a missing
// bucket is a fail naming bucketKey). Its only write is one object of under
// 100 bytes named ProbePrefix + 16 random hex digits, removed as soon as it
// has been read back, and removed even when the read fails or the run is
// cancelled after the write.
func s3Live(ctx context.Context, a *answers.Answers, env *Env, bucket, bucketKey string) []Finding {
	s := a.S3
	t, err := parseS3Endpoint(s.Endpoint, s.Region)
	if err != nil {
		return []Finding{fail("s3.endpoint", err.Error(), "write the scheme and API port, e.g. https://s3.example.org:9000")}
	}
	ak, err := resolveSecret(s.AccessKey)
	if err != nil {
		return []Finding{fail("s3.accessKey", err.Error(), "export the variable or fix the file reference")}
	}
	sk, err := resolveSecret(s.SecretKey)
	if err != nil {
		return []Finding{fail("s3.secretKey", err.Error(), "export the variable or fix the file reference")}
	}
	roots, err := caPool(s.CAFile)
	if err != nil {
		return []Finding{fail("s3.caFile", err.Error(), "give a readable PEM CA bundle, or leave it empty for the system roots")}
	}
	timeout := env.timeout()
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: timeout}).DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		TLSClientConfig:       &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
	}
	defer tr.CloseIdleConnections()
	mc, err := minio.New(t.host, &minio.Options{
		Creds: credentials.NewStaticV4(ak, sk, ""), Secure: t.secure, Region: s.Region,
		Transport: tr, MaxRetries: 1,
	})
	if err != nil {
		return []Finding{fail("s3.endpoint", fmt.Sprintf("%s: %v", t.shown, err), "write the scheme, host and API port")}
	}
	classify := func(what string, err error) Finding {
		return s3Failure(t, bucket, bucketKey, what, err, timeout)
	}

	c, cancel := env.op(ctx)
	exists, err := mc.BucketExists(c, bucket)
	cancel()
	if err != nil {
		return []Finding{classify("check bucket "+bucket, err)}
	}
	if !exists {
		return []Finding{fail(bucketKey, fmt.Sprintf("bucket %s does not exist at %s (validate never creates buckets)", bucket, t.shown),
			fmt.Sprintf("create bucket %s on the store (e.g. aws s3 mb s3://%s or mc mb ALIAS/%s), or set %s to an existing bucket", bucket, bucket, bucket, bucketKey))}
	}
	if err := s3Probe(ctx, env, mc, bucket); err != nil {
		return []Finding{classify("write, read and delete probe object "+ProbePrefix+"… in "+bucket, err)}
	}
	return []Finding{ok(bucketKey, fmt.Sprintf("%s: bucket %s exists; probe object %s… was written, read back and deleted", t.shown, bucket, ProbePrefix))}
}

// s3Probe writes one tiny object under ProbePrefix, reads it back and
// deletes it. Once the write succeeded the delete always runs, on its own
// timeout, even if ctx has been cancelled.
func s3Probe(ctx context.Context, env *Env, mc *minio.Client, bucket string) (err error) {
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	obj := ProbePrefix + hex.EncodeToString(rnd[:])
	payload := []byte("harbor-installer validate probe " + time.Now().UTC().Format(time.RFC3339))
	c, cancel := env.op(ctx)
	defer cancel()
	if _, err := mc.PutObject(c, bucket, obj, bytes.NewReader(payload), int64(len(payload)), minio.PutObjectOptions{ContentType: "text/plain"}); err != nil {
		return fmt.Errorf("put: %w", err)
	}
	defer func() {
		rc, cancel := env.op(context.WithoutCancel(ctx))
		defer cancel()
		if rerr := mc.RemoveObject(rc, bucket, obj, minio.RemoveObjectOptions{}); rerr != nil && err == nil {
			err = fmt.Errorf("delete %s: %w", obj, rerr)
		}
	}()
	o, err := mc.GetObject(c, bucket, obj, minio.GetObjectOptions{})
	if err != nil {
		return fmt.Errorf("get: %w", err)
	}
	got, err := io.ReadAll(o)
	o.Close()
	if err != nil {
		return fmt.Errorf("get: %w", err)
	}
	if !bytes.Equal(got, payload) {
		return fmt.Errorf("get: read back %d bytes that differ from the %d written", len(got), len(payload))
	}
	return nil
}

// s3Failure names the answer key an S3 error is about.
func s3Failure(t s3Target, bucket, bucketKey, what string, err error, timeout time.Duration) Finding {
	er := minio.ToErrorResponse(err)
	seen := fmt.Sprintf("%s: %s: %s", t.shown, what, errText(err, timeout))
	switch er.Code {
	case "InvalidAccessKeyId":
		return fail("s3.accessKey", seen, "check the access key")
	case "SignatureDoesNotMatch":
		return fail("s3.secretKey", seen, "check the secret key for this access key")
	case "AccessDenied":
		return fail(bucketKey, seen, "give these credentials read, write, delete and list on bucket "+bucket)
	case "NoSuchBucket":
		return fail(bucketKey, seen, "create bucket "+bucket+" on the store (validate never creates buckets), or set "+bucketKey+" to an existing one")
	case "AuthorizationHeaderMalformed", "InvalidRegion":
		return fail("s3.region", seen, "set the bucket's region")
	}
	if certErrorKind(err) != "" {
		return fail("s3.caFile", seen, "give the CA that issued the endpoint's certificate as s3.caFile (Harbor needs it too), and use a host name the certificate names")
	}
	if er.StatusCode == 0 {
		hint := "check the host, the API port (not the console's) and the scheme: http:// or https:// decides TLS"
		if t.secure {
			hint += "; an http-only server answers https with a TLS error"
		}
		return fail("s3.endpoint", seen, hint)
	}
	return fail(bucketKey, seen, "check the store's logs and the credentials' policy")
}
