package steps

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeS3 is the smallest S3 that minio-go's calls in s3Live need, on
// loopback: HEAD bucket, PUT/GET/DELETE object. It records every request so
// a test can prove validate never writes anything but its probe.
type fakeS3 struct {
	mu       sync.Mutex
	buckets  map[string]map[string][]byte
	requests []string
}

func newFakeS3(t *testing.T, buckets ...string) (*fakeS3, string) {
	f := &fakeS3{buckets: map[string]map[string][]byte{}}
	for _, b := range buckets {
		f.buckets[b] = map[string][]byte{}
	}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv.URL
}

func (f *fakeS3) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	objs, exists := f.buckets[bucket]
	notFound := func() {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusNotFound)
		if r.Method != http.MethodHead {
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchBucket</Code><Message>no such bucket</Message><BucketName>`+bucket+`</BucketName></Error>`)
		}
	}
	switch {
	case key == "" && r.Method == http.MethodHead:
		if !exists {
			notFound()
		}
	case key == "" && r.Method == http.MethodPut:
		f.buckets[bucket] = map[string][]byte{}
	case key == "" && r.Method == http.MethodDelete:
		delete(f.buckets, bucket)
		w.WriteHeader(http.StatusNoContent)
	case !exists:
		notFound()
	case r.Method == http.MethodPut:
		body, _ := io.ReadAll(r.Body)
		if strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-") {
			body = decodeAWSChunked(body)
		}
		objs[key] = body
		w.Header().Set("ETag", `"0123456789abcdef0123456789abcdef"`)
	case r.Method == http.MethodGet:
		b, ok := objs[key]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.Header().Set("ETag", `"0123456789abcdef0123456789abcdef"`)
		w.Header().Set("Last-Modified", "Sat, 05 Dec 2026 06:00:00 GMT")
		w.Write(b)
	case r.Method == http.MethodDelete:
		delete(objs, key)
		w.WriteHeader(http.StatusNoContent)
	default:
		w.WriteHeader(http.StatusNotImplemented)
	}
}

// decodeAWSChunked undoes S3's aws-chunked body encoding (size;sig CRLF data CRLF ...).
func decodeAWSChunked(b []byte) []byte {
	var out []byte
	r := bufio.NewReader(bytes.NewReader(b))
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return out
		}
		hexSize, _, _ := strings.Cut(strings.TrimSpace(line), ";")
		n, err := strconv.ParseInt(hexSize, 16, 64)
		if err != nil || n == 0 {
			return out
		}
		chunk := make([]byte, n)
		if _, err := io.ReadFull(r, chunk); err != nil {
			return out
		}
		out = append(out, chunk...)
		r.ReadString('\n')
	}
}

func (f *fakeS3) snapshot() (map[string]int, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	objs := map[string]int{}
	for b, m := range f.buckets {
		objs[b] = len(m)
	}
	return objs, append([]string(nil), f.requests...)
}

// TestS3LiveIsReadOnly: validate never creates or deletes a bucket; a
// missing bucket is a fail naming the bucket's key with the fix; its one
// write is a probe under ProbePrefix, gone when the check returns.
func TestS3LiveIsReadOnly(t *testing.T) {
	t.Setenv("TEST_S3_KEY", "s3-secret-never-echo")
	f, url := newFakeS3(t, "harbor")
	y := "s3: {endpoint: '" + url + "', region: us-east-1, bucket: %s, accessKey: env:TEST_S3_KEY, secretKey: env:TEST_S3_KEY}\nbackup: {enabled: true, bucket: %s}"
	a := loadAnswers(t, strings.ReplaceAll(strings.Replace(y, "%s", "harbor", 1), "%s", "backups"))

	fs := s3Live(context.Background(), a, envFor(nil), "harbor", "s3.bucket")
	wantLevel(t, fs, "s3.bucket", OK)
	objs, reqs := f.snapshot()
	if objs["harbor"] != 0 {
		t.Errorf("probe object left behind: %v", objs)
	}
	var puts, deletes int
	for _, r := range reqs {
		m, p, _ := strings.Cut(r, " ")
		switch m {
		case http.MethodPut, http.MethodPost:
			puts++
			if !strings.HasPrefix(p, "/harbor/"+ProbePrefix) {
				t.Errorf("write outside the probe prefix: %s", r)
			}
		case http.MethodDelete:
			deletes++
			if !strings.HasPrefix(p, "/harbor/"+ProbePrefix) {
				t.Errorf("delete outside the probe prefix: %s", r)
			}
		}
	}
	if puts != 1 || deletes != 1 {
		t.Errorf("want one probe write and its delete, got requests %v", reqs)
	}

	// The backup bucket does not exist: fail on backup.bucket, nothing made.
	fs = backupLive(context.Background(), a, envFor(nil))
	wantLevel(t, fs, "backup.bucket", Fail)
	for _, x := range fs {
		if x.Key == "backup.bucket" && (!strings.Contains(x.Hint, "create bucket backups") || !strings.Contains(x.Seen, "does not exist")) {
			t.Errorf("missing bucket finding without the fix: %v", x)
		}
	}
	byKey(t, fs, "s3-secret-never-echo")
	objs, reqs = f.snapshot()
	if _, made := objs["backups"]; made {
		t.Errorf("validate created bucket backups: %v", reqs)
	}
	for _, r := range reqs {
		if strings.Contains(r, "/backups") && !strings.HasPrefix(r, http.MethodHead) {
			t.Errorf("request other than HEAD on the missing bucket: %s", r)
		}
	}
}
