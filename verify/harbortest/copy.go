package harbortest

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// globRE turns Harbor's doublestar filter into a regexp: ** crosses
// slashes, * and ? do not.
func globRE(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; {
		case c == '*' && i+1 < len(pattern) && pattern[i+1] == '*':
			b.WriteString(".*")
			i++
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// destRepo is where src lands: dest_namespace replaces the first n path
// components (-1: all but the last).
func destRepo(ns string, n int, src string) string {
	if ns == "" {
		return src
	}
	parts := strings.Split(src, "/")
	drop := len(parts) - 1
	if n >= 0 && n < drop {
		drop = n
	}
	return ns + "/" + strings.Join(parts[drop:], "/")
}

// replicate copies every matching tag from the source registry into this
// registry, for real, and records the outcome on e.
func (s *Server) replicate(e *execution, p policy, src registryEndpoint) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	finish := func(status, text string) {
		s.mu.Lock()
		e.Status, e.Text, e.InProgress = status, text, 0
		s.mu.Unlock()
	}
	srcOpts := []remote.Option{remote.WithContext(ctx), remote.WithTransport(&http.Transport{Proxy: nil,
		TLSClientConfig: &tls.Config{InsecureSkipVerify: src.Insecure}})} //nolint:gosec // the endpoint's insecure flag, as Harbor
	if src.AccessKey != "" {
		srcOpts = append(srcOpts, remote.WithAuth(&authn.Basic{Username: src.AccessKey, Password: src.Secret}))
	}
	host := strings.TrimPrefix(strings.TrimPrefix(src.URL, "https://"), "http://")
	nameOpts := []name.Option{}
	if strings.HasPrefix(src.URL, "http://") {
		nameOpts = append(nameOpts, name.Insecure)
	}
	reg, err := name.NewRegistry(host, nameOpts...)
	if err != nil {
		finish("Failed", err.Error())
		return
	}
	repos, err := remote.Catalog(ctx, reg, srcOpts...)
	if err != nil {
		finish("Failed", "list source repositories: "+err.Error())
		return
	}
	nameRE, tagRE := globRE("**"), globRE("**")
	for _, f := range p.Filters {
		v, _ := f.Value.(string)
		switch f.Type {
		case "name":
			nameRE = globRE(v)
		case "tag":
			tagRE = globRE(v)
		}
	}
	type item struct{ src, dst string }
	var items []item
	for _, repo := range repos {
		if !nameRE.MatchString(repo) {
			continue
		}
		r, err := name.NewRepository(host+"/"+repo, nameOpts...)
		if err != nil {
			continue
		}
		tags, err := remote.List(r, srcOpts...)
		if err != nil {
			finish("Failed", "list tags of "+repo+": "+err.Error())
			return
		}
		for _, t := range tags {
			if tagRE.MatchString(t) {
				items = append(items, item{r.Tag(t).String(), destRepo(p.DestNS, p.ReplaceCount, repo) + ":" + t})
			}
		}
	}
	s.mu.Lock()
	e.Total, e.InProgress = len(items), len(items)
	s.mu.Unlock()
	self := remote.WithTransport(inProcess{s})
	for _, it := range items {
		time.Sleep(s.opts.ReplicationDelay)
		err := s.copyOne(ctx, it.src, it.dst, nameOpts, srcOpts, self)
		s.mu.Lock()
		e.InProgress--
		if err != nil {
			e.Failed++
			e.Text = err.Error()
		} else {
			e.Succeed++
		}
		s.mu.Unlock()
	}
	if e.Failed > 0 {
		finish("Failed", e.Text)
		return
	}
	finish("Succeed", "")
}

func (s *Server) copyOne(ctx context.Context, src, dst string, nameOpts []name.Option, srcOpts []remote.Option, self remote.Option) error {
	sref, err := name.ParseReference(src, nameOpts...)
	if err != nil {
		return err
	}
	desc, err := remote.Get(sref, srcOpts...)
	if err != nil {
		return fmt.Errorf("pull %s: %w", src, err)
	}
	proj, _, _ := strings.Cut(dst, "/")
	s.mu.Lock()
	exists := s.projects[proj] != nil
	s.mu.Unlock()
	if !exists {
		return fmt.Errorf("project %s not found", proj)
	}
	dref, err := name.ParseReference("harbor.stand-in/"+dst, name.Insecure)
	if err != nil {
		return err
	}
	img, err := desc.Image()
	if err != nil {
		return err
	}
	if err := remote.Write(dref, img, remote.WithContext(ctx), self); err != nil {
		return fmt.Errorf("push %s: %w", dst, err)
	}
	return nil
}

// inProcess serves the stand-in's own registry in-process as admin, so
// replication does not need its own TLS trust.
type inProcess struct{ s *Server }

// RoundTrip serves req with the stand-in's registry handler.
func (t inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	if req.Body == nil {
		// A server always hands its handlers a body; so must this.
		req.Body = http.NoBody
	}
	req.SetBasicAuth("admin", t.s.opts.AdminPassword)
	rec := httptest.NewRecorder()
	t.s.serveRegistry(rec, req)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}
