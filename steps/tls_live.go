package steps

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/harbor-installer/harbor-installer/answers"
)

// certWarnBefore is how close to expiry a certificate draws a warning.
const certWarnBefore = 30 * 24 * time.Hour

// tlsLive checks the certificate Harbor's Ingress will serve: the Secret
// (mode secret) or the files (mode files). Modes auto and none have nothing
// to check live; the field checks explain their consequences.
func tlsLive(ctx context.Context, a *answers.Answers, env *Env) []Finding {
	switch a.TLS.Mode {
	case "secret":
		if env.Cluster == nil {
			return noCluster("tls.secretName")
		}
		return tlsSecretLive(ctx, a, env)
	case "files":
		cert, err := os.ReadFile(a.TLS.CertFile)
		if err != nil {
			return []Finding{fail("tls.certFile", fmt.Sprintf("cannot read %s: %v", a.TLS.CertFile, unwrap(err)), "check the path and permissions")}
		}
		key, err := os.ReadFile(a.TLS.KeyFile)
		if err != nil {
			return []Finding{fail("tls.keyFile", fmt.Sprintf("cannot read %s: %v", a.TLS.KeyFile, unwrap(err)), "check the path and permissions")}
		}
		return checkCertPair(certSource{what: a.TLS.CertFile, certKey: "tls.certFile", keyKey: "tls.keyFile"}, cert, key, a, time.Now())
	case "auto":
		return []Finding{ok("tls.mode", "auto: no certificate to check before install; the chart generates one")}
	case "none":
		return []Finding{ok("tls.mode", "none: no certificate at the Ingress to check")}
	}
	return nil
}

func tlsSecretLive(ctx context.Context, a *answers.Answers, env *Env) []Finding {
	ns, name := a.Harbor.Namespace, a.TLS.SecretName
	s, err := env.Cluster.Secret(ctx, ns, name)
	if err != nil {
		return []Finding{fail("tls.secretName", fmt.Sprintf("cannot read Secret %s in %s: %s", name, ns, errText(err, env.timeout())), "check this user may get Secrets in harbor.namespace")}
	}
	if s == nil {
		return []Finding{fail("tls.secretName", fmt.Sprintf("no Secret %s in namespace %s", name, ns),
			fmt.Sprintf("create it (kubectl create namespace %s; kubectl -n %s create secret tls %s --cert=chain.pem --key=key.pem), or use tls.mode files", ns, ns, name))}
	}
	if s.Type != corev1.SecretTypeTLS {
		return []Finding{fail("tls.secretName", fmt.Sprintf("Secret %s/%s has type %s, not kubernetes.io/tls", ns, name, s.Type),
			"recreate it with `kubectl create secret tls` so it has keys tls.crt and tls.key")}
	}
	src := certSource{what: "Secret " + ns + "/" + name, certKey: "tls.secretName", keyKey: "tls.secretName"}
	return checkCertPair(src, s.Data[corev1.TLSCertKey], s.Data[corev1.TLSPrivateKeyKey], a, time.Now())
}

// certSource names where a certificate came from and which answer keys its
// problems belong to.
type certSource struct {
	what    string
	certKey string
	keyKey  string
}

// checkCertPair checks a PEM chain and key as Harbor's Ingress will serve
// them for harbor.domain: it parses, covers the domain, is in date, matches
// the key, and chains to tls.caFile or the system roots.
func checkCertPair(src certSource, certPEM, keyPEM []byte, a *answers.Answers, now time.Time) []Finding {
	chain, err := parseChain(certPEM)
	if err != nil {
		return []Finding{fail(src.certKey, fmt.Sprintf("%s: %v", src.what, err), "give a PEM certificate chain, server certificate first")}
	}
	leaf := chain[0]
	domain := strings.ToLower(a.Harbor.Domain)
	var out []Finding
	names := leaf.DNSNames
	if len(names) == 0 && leaf.Subject.CommonName != "" {
		names = []string{"CN " + leaf.Subject.CommonName}
	}
	if err := leaf.VerifyHostname(domain); err != nil {
		out = append(out, fail(src.certKey, fmt.Sprintf("%s is for %s, not %s", src.what, quoteList(names), domain),
			"issue a certificate whose subjectAltName covers harbor.domain (a wildcard covers one label)"))
	}
	switch left := leaf.NotAfter.Sub(now); {
	case left <= 0:
		out = append(out, fail(src.certKey, fmt.Sprintf("%s expired on %s", src.what, leaf.NotAfter.Format(time.DateOnly)), "renew the certificate"))
	case now.Before(leaf.NotBefore):
		out = append(out, fail(src.certKey, fmt.Sprintf("%s is not valid before %s", src.what, leaf.NotBefore.Format(time.RFC3339)), "check the clock here and of the issuer"))
	case left < certWarnBefore:
		out = append(out, warn(src.certKey, fmt.Sprintf("%s expires in %s (%s)", src.what, untilText(left), leaf.NotAfter.Format(time.RFC3339)), "renew it before it expires"))
	}
	if len(keyPEM) == 0 {
		out = append(out, fail(src.keyKey, src.what+" has no private key", "give the key that belongs to the certificate"))
	} else if _, err := tls.X509KeyPair(certPEM, keyPEM); err != nil {
		out = append(out, fail(src.keyKey, fmt.Sprintf("%s: the key does not fit the certificate: %v", src.what, err), "give the private key the certificate was issued for"))
	}
	roots, err := caPool(a.TLS.CAFile)
	if err != nil {
		return append(out, fail("tls.caFile", err.Error(), "give a readable PEM CA bundle, or leave it empty for the system roots"))
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, verr := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now})
	against := "the system roots"
	if a.TLS.CAFile != "" {
		against = a.TLS.CAFile
	}
	if verr != nil && !strings.Contains(verr.Error(), "expired") {
		if a.TLS.CAFile != "" {
			out = append(out, fail("tls.caFile", fmt.Sprintf("%s does not chain to %s: %v", src.what, against, verr),
				"give the CA that issued the certificate, and put intermediates in the chain after the server certificate"))
		} else {
			out = append(out, warn(src.certKey, fmt.Sprintf("%s does not chain to the system roots: %v", src.what, verr),
				"docker clients must trust its CA; give the CA as tls.caFile to check the chain, or use a publicly trusted certificate"))
		}
	}
	if len(out) == 0 {
		out = append(out, ok(src.certKey, fmt.Sprintf("%s covers %s, valid until %s, key matches, chains to %s",
			src.what, domain, leaf.NotAfter.Format(time.DateOnly), against)))
	}
	return out
}

func parseChain(b []byte) ([]*x509.Certificate, error) {
	var chain []*x509.Certificate
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certificate %d does not parse: %v", len(chain)+1, err)
		}
		chain = append(chain, c)
	}
	if len(chain) == 0 {
		return nil, fmt.Errorf("no PEM certificate found")
	}
	return chain, nil
}

// untilText says how long is left in the unit an admin plans with: days, or
// hours on the last two days (where "0 days" would hide the urgency).
func untilText(left time.Duration) string {
	if left < 48*time.Hour {
		h := int(left.Hours())
		if h == 0 {
			return "under an hour"
		}
		if h == 1 {
			return "1 hour"
		}
		return fmt.Sprintf("%d hours", h)
	}
	return fmt.Sprintf("%d days", int(left.Hours()/24))
}
