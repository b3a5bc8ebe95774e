package verify

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/steps"
)

// tlsKey is the answer that decides the certificate Harbor serves.
func tlsKey(a *answers.Answers) string {
	switch a.TLS.Mode {
	case "files":
		return "tls.certFile"
	case "secret":
		return "tls.secretName"
	}
	if a.Ingress.Controller == "alb" {
		return "ingress.alb.certificateARN"
	}
	return "tls.mode"
}

// reachFailure names why externalURL could not be reached: DNS, the
// certificate's names, its chain, or the connection.
func reachFailure(a *answers.Answers, err error) steps.Finding {
	url := a.ExternalURL()
	var dns *net.DNSError
	var host x509.HostnameError
	var unknown x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var verr *tls.CertificateVerificationError
	if errors.As(err, &verr) {
		err = verr.Err
	}
	switch {
	case errors.As(err, &dns):
		return failf("harbor.domain", fmt.Sprintf("%s: the name %s does not resolve (%v)", url, dns.Name, dns.Err),
			"create the DNS record for harbor.domain pointing at the ingress's load balancer (or run with --resolve HOST:ADDRESS to check before DNS is in place)")
	case errors.As(err, &host):
		names := host.Certificate.DNSNames
		for _, ip := range host.Certificate.IPAddresses {
			names = append(names, ip.String())
		}
		return failf(tlsKey(a), fmt.Sprintf("%s serves a certificate for the wrong name: it is valid for %s, not %s",
			url, strings.Join(names, ", "), a.Harbor.Domain),
			fmt.Sprintf("issue the certificate with %s in its subject alternative names (%s), or correct harbor.domain", a.Harbor.Domain, tlsKey(a)))
	case errors.As(err, &unknown):
		hint := "set tls.caFile to the PEM bundle of the CA that signed Harbor's certificate"
		if a.TLS.CAFile != "" {
			hint = fmt.Sprintf("tls.caFile (%s) does not hold the CA that signed the certificate Harbor serves; give the right bundle, or serve the certificate it signed", a.TLS.CAFile)
		}
		return failf("tls.caFile", fmt.Sprintf("%s: the certificate chain is not trusted (signed by %q)", url, unknown.Cert.Issuer.CommonName), hint)
	case errors.As(err, &invalid):
		return failf(tlsKey(a), fmt.Sprintf("%s: the certificate is not valid: %v", url, invalid), "renew or replace the certificate")
	case isTimeout(err):
		return failf("ingress.className", fmt.Sprintf("%s: no answer in time (%v)", url, err),
			"check that the ingress controller's load balancer accepts connections on 443 from here and routes harbor.domain to Harbor")
	}
	return failf("ingress.className", fmt.Sprintf("%s cannot be reached: %v", url, err),
		"check the ingress (kubectl get ingress -n harbor.namespace), the load balancer and firewalls between here and it")
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
