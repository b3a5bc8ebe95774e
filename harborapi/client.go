// Package harborapi is a small typed client for exactly the Harbor v2.0 API
// calls the installer makes after install: health, login, LDAP checks,
// projects, members, robots, registries and replication.
//
// Shapes follow Harbor's published swagger (api/v2.0/swagger.yaml). The
// generated github.com/goharbor/go-client was not used: it speaks Harbor
// 2.13, and it brings go-openapi's runtime and strfmt module families that
// the project's pinned module set (and the test world's sync) would have to
// take on for a dozen calls.
//
// Credentials live in the Client and go out only in Authorization headers:
// errors name the method, the endpoint and the HTTP status, and quote
// Harbor's own error message, never a request body.
package harborapi

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// APIPath is the prefix of every API endpoint.
const APIPath = "/api/v2.0"

// Client calls one Harbor as one user.
type Client struct {
	base     *url.URL
	username string
	password string
	http     *http.Client
}

// Options configures New.
type Options struct {
	// Username and Password are sent as HTTP basic auth on every call.
	Username string
	Password string
	// TLS verifies the server; nil uses the system roots.
	TLS *tls.Config
	// Timeout bounds each request (30s when zero).
	Timeout time.Duration
	// Dial, when set, replaces the dialer (verify's --resolve uses it to
	// reach a name at another address).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// New returns a client for the Harbor at externalURL (scheme and host, the
// API path is added).
func New(externalURL string, o Options) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(externalURL, "/"))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("harbor URL %q: want http(s)://host[:port]", externalURL)
	}
	t := &http.Transport{TLSClientConfig: o.TLS, Proxy: nil, ForceAttemptHTTP2: true}
	if o.Dial != nil {
		t.DialContext = o.Dial
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	return &Client{base: u, username: o.Username, password: o.Password, http: &http.Client{Transport: t, Timeout: timeout,
		// Never follow a redirect with credentials to somewhere else.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}, nil
}

// URL is the base URL the client talks to.
func (c *Client) URL() string { return c.base.String() }

// HTTPClient is the client's transport, for callers that reach the same
// host outside the API (the registry's /v2/).
func (c *Client) HTTPClient() *http.Client { return c.http }

// Close drops idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// StatusError is a non-2xx answer.
type StatusError struct {
	Method   string
	Endpoint string // the path without the query, e.g. /api/v2.0/projects
	Status   int
	// Message is Harbor's error text (its errors[].message), if any.
	Message string
}

// Error names method, endpoint, status and Harbor's message.
func (e *StatusError) Error() string {
	s := fmt.Sprintf("%s %s: HTTP %d %s", e.Method, e.Endpoint, e.Status, http.StatusText(e.Status))
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// IsStatus reports whether err is a StatusError with one of codes.
func IsStatus(err error, codes ...int) bool {
	var se *StatusError
	if !errors.As(err, &se) {
		return false
	}
	for _, c := range codes {
		if se.Status == c {
			return true
		}
	}
	return false
}

// errorBody is Harbor's Errors definition.
type errorBody struct {
	Errors []struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"errors"`
}

// do sends one request. in is JSON-encoded when not nil; out is decoded
// from a 2xx body when not nil. It returns the response headers.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any) (http.Header, error) {
	u := *c.base
	u.Path = strings.TrimRight(c.base.Path, "/") + APIPath + path
	if query != nil {
		u.RawQuery = query.Encode()
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("%s %s: encode: %w", method, APIPath+path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, APIPath+path, err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.username != "" || c.password != "" {
		req.SetBasicAuth(c.username, c.password)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// url.Error quotes the URL, which never carries credentials here.
		return nil, fmt.Errorf("%s %s: %w", method, APIPath+path, unwrapURL(err))
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		se := &StatusError{Method: method, Endpoint: APIPath + path, Status: resp.StatusCode}
		var eb errorBody
		if json.Unmarshal(data, &eb) == nil && len(eb.Errors) > 0 {
			var msgs []string
			for _, e := range eb.Errors {
				msgs = append(msgs, e.Message)
			}
			se.Message = strings.Join(msgs, "; ")
		}
		if loc := resp.Header.Get("Location"); loc != "" && resp.StatusCode/100 == 3 {
			se.Message = "redirected to " + loc
		}
		return resp.Header, se
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.Header, fmt.Errorf("%s %s: decode answer: %w", method, APIPath+path, err)
		}
	}
	return resp.Header, nil
}

// unwrapURL drops url.Error's method and URL: the callers name the endpoint.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// idFromLocation reads the id at the end of a Location header
// (/api/v2.0/projects/12).
func idFromLocation(h http.Header) (int64, error) {
	loc := h.Get("Location")
	i := strings.LastIndexByte(loc, '/')
	var id int64
	if _, err := fmt.Sscan(loc[i+1:], &id); err != nil || i < 0 {
		return 0, fmt.Errorf("no id in Location %q", loc)
	}
	return id, nil
}
