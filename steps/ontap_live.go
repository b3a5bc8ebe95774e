package steps

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/harbor-installer/harbor-installer/answers"
)

// ontapClient speaks the small part of ONTAP's REST API the checks need.
type ontapClient struct {
	base       string
	user, pass string
	hc         *http.Client
}

// ontapBase turns a management LIF (host, IP or host:port) into a URL.
func ontapBase(lif string) string {
	if ip := net.ParseIP(lif); ip != nil && ip.To4() == nil {
		lif = "[" + lif + "]"
	}
	return "https://" + lif
}

func newONTAPClient(lif, user, pass string, roots *x509.CertPool, insecure bool, timeout time.Duration) *ontapClient {
	tr := &http.Transport{
		DialContext:           (&net.Dialer{Timeout: timeout}).DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		TLSClientConfig:       &tls.Config{RootCAs: roots, InsecureSkipVerify: insecure, MinVersion: tls.VersionTLS12}, //nolint:gosec // only when asked, and reported
	}
	return &ontapClient{base: ontapBase(lif), user: user, pass: pass, hc: &http.Client{Transport: tr, Timeout: timeout}}
}

// ontapStatusError is a non-2xx answer.
type ontapStatusError struct {
	Status  int
	Message string
}

func (e *ontapStatusError) Error() string {
	if e.Message != "" {
		return fmt.Sprintf("HTTP %d: %s", e.Status, e.Message)
	}
	return fmt.Sprintf("HTTP %d", e.Status)
}

func (c *ontapClient) get(ctx context.Context, path string, q url.Values, out any) error {
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.SetBasicAuth(c.user, c.pass)
	req.Header.Set("Accept", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		_ = json.Unmarshal(body, &e)
		return &ontapStatusError{Status: resp.StatusCode, Message: e.Error.Message}
	}
	return json.Unmarshal(body, out)
}

type ontapCluster struct {
	Name    string `json:"name"`
	UUID    string `json:"uuid"`
	Version struct {
		Full       string `json:"full"`
		Generation int    `json:"generation"`
		Major      int    `json:"major"`
		Minor      int    `json:"minor"`
	} `json:"version"`
}

type ontapSVMs struct {
	Records []struct {
		Name  string `json:"name"`
		UUID  string `json:"uuid"`
		State string `json:"state"`
	} `json:"records"`
	NumRecords int `json:"num_records"`
}

// checkONTAP proves the management LIF answers over TLS with Trident's
// credentials and serves the SVM.
//
// With storage.trident.caFile the LIF's certificate is verified with that
// CA and nothing else, because Trident's backend trusts exactly that
// (trustedCACertificate): a certificate the file does not verify is a fail
// on storage.trident.caFile. Without it, roots (nil: the system roots) are
// tried; ONTAP's certificate is self-signed by default and Trident does not
// verify it without a trustedCACertificate, so an unverified certificate is
// a warning and the checks go on without verification.
func checkONTAP(ctx context.Context, a *answers.Answers, timeout time.Duration, roots *x509.CertPool) []Finding {
	t := a.Storage.Trident
	const lifKey, pwKey, caKey = "storage.trident.managementLIF", "storage.trident.password", "storage.trident.caFile"
	pass, err := resolveSecret(t.Password)
	if err != nil {
		return []Finding{fail(pwKey, err.Error(), "export the variable or fix the file reference")}
	}
	if t.ManagementLIF == "" {
		return nil
	}
	if t.CAFile != "" {
		if roots, err = caPool(t.CAFile); err != nil {
			return []Finding{fail(caKey, err.Error(), "give a readable PEM CA bundle of the LIF's certificate, or leave it empty")}
		}
	}
	var out []Finding
	c := newONTAPClient(t.ManagementLIF, t.Username, pass, roots, false, timeout)
	var cl ontapCluster
	opCtx, cancel := context.WithTimeout(ctx, timeout)
	err = c.get(opCtx, "/api/cluster", url.Values{"fields": {"name,uuid,version"}}, &cl)
	cancel()
	if err != nil && t.CAFile != "" {
		switch certErrorKind(err) {
		case "authority":
			return []Finding{fail(caKey, fmt.Sprintf("%s: the certificate is not signed by a CA in %s: %v", t.ManagementLIF, t.CAFile, err),
				"give the CA that issued the LIF's certificate (Trident's backend trusts only this file), or leave storage.trident.caFile empty")}
		case "hostname":
			return []Finding{fail(lifKey, fmt.Sprintf("%s: the certificate does not name this address: %v", t.ManagementLIF, err),
				"use a name or address the LIF's certificate lists in its subjectAltName")}
		case "invalid":
			return []Finding{fail(caKey, fmt.Sprintf("%s: the certificate does not verify with %s: %v", t.ManagementLIF, t.CAFile, err),
				"renew the LIF's certificate")}
		}
	}
	if err == nil && t.CAFile != "" {
		out = append(out, ok(caKey, fmt.Sprintf("%s's certificate verifies with %s", t.ManagementLIF, t.CAFile)))
	}
	if err != nil && certErrorKind(err) != "" {
		out = append(out, warn(lifKey, fmt.Sprintf("%s: certificate not verified: %v", t.ManagementLIF, err),
			"ONTAP's certificate is self-signed unless replaced; install one from a trusted CA on the LIF (the checks and Trident then verify it)"))
		c = newONTAPClient(t.ManagementLIF, t.Username, pass, nil, true, timeout)
		opCtx, cancel := context.WithTimeout(ctx, timeout)
		err = c.get(opCtx, "/api/cluster", url.Values{"fields": {"name,uuid,version"}}, &cl)
		cancel()
	}
	var se *ontapStatusError
	switch {
	case errors.As(err, &se) && se.Status == http.StatusUnauthorized:
		return append(out, fail(pwKey, fmt.Sprintf("ONTAP at %s refused user %s: %v", t.ManagementLIF, t.Username, err),
			"check storage.trident.username and the password (the user needs the http application with password authentication)"))
	case errors.As(err, &se) && se.Status == http.StatusForbidden:
		out = append(out, ok(lifKey, fmt.Sprintf("ONTAP at %s accepted user %s (an SVM-scoped account: cluster details hidden)", t.ManagementLIF, t.Username)))
	case errors.As(err, &se):
		return append(out, fail(lifKey, fmt.Sprintf("%s/api/cluster answered %v", c.base, err), "check the address is an ONTAP 9.6+ management LIF with the REST API"))
	case err != nil:
		return append(out, fail(lifKey, fmt.Sprintf("cannot reach ONTAP at %s: %s", c.base, errText(err, timeout)),
			"check the management LIF address, that HTTPS (443) is allowed from here, and that the LIF serves management"))
	default:
		out = append(out, ok(lifKey, fmt.Sprintf("ONTAP cluster %s answers at %s: %s", cl.Name, t.ManagementLIF, cl.Version.Full)))
	}
	if t.SVM == "" {
		return out
	}
	var svms ontapSVMs
	opCtx, cancel = context.WithTimeout(ctx, timeout)
	err = c.get(opCtx, "/api/svm/svms", url.Values{"name": {t.SVM}, "fields": {"name,uuid,state"}}, &svms)
	cancel()
	switch {
	case err != nil:
		return append(out, fail("storage.trident.svm", fmt.Sprintf("cannot list SVMs: %s", errText(err, timeout)), "check the user may read SVMs"))
	case svms.NumRecords == 0 && len(svms.Records) == 0:
		return append(out, fail("storage.trident.svm", fmt.Sprintf("ONTAP has no SVM %s visible to %s", t.SVM, t.Username),
			"name an existing storage VM (vserver show), or use that SVM's management LIF and its vsadmin"))
	}
	s := svms.Records[0]
	if s.State != "" && s.State != "running" {
		return append(out, warn("storage.trident.svm", fmt.Sprintf("SVM %s is %s", s.Name, s.State), "start the SVM (vserver start)"))
	}
	return append(out, ok("storage.trident.svm", fmt.Sprintf("SVM %s exists (uuid %s, %s)", s.Name, s.UUID, s.State)))
}
