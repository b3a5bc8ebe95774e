package steps

import (
	"github.com/harbor-installer/harbor-installer/answers"
)

func tlsStep() Step {
	return Step{
		Name:     "tls",
		Title:    "TLS",
		Keys:     []string{"tls"},
		Validate: validateTLS,
		Check:    tlsLive,
	}
}

func validateTLS(a *answers.Answers) []Finding {
	var out []Finding
	alb := a.Ingress.Controller == "alb"
	switch a.TLS.Mode {
	case "secret":
		out = append(out, checkK8sName("tls.secretName", a.TLS.SecretName, false)...)
	case "files":
		out = append(out, checkK8sName("tls.secretName", a.TLS.SecretName, false)...)
		out = append(out, checkFile("tls.certFile", a.TLS.CertFile, true)...)
		out = append(out, checkFile("tls.keyFile", a.TLS.KeyFile, true)...)
	case "auto":
		out = append(out, warn("tls.mode", "auto: the chart makes a self-signed certificate, and a new one on every upgrade",
			"clients must trust it again after each upgrade; use secret or files for anything beyond a trial"))
	case "none":
		if alb {
			out = append(out, ok("tls.mode", "none at the Ingress: TLS ends at the ALB, externalURL stays https"))
		} else {
			out = append(out, warn("tls.mode", "none: Harbor is served over plain http",
				"docker clients need insecure-registries; terminate TLS at the ingress with tls.mode secret or files"))
		}
	}
	if alb && (a.TLS.Mode == "secret" || a.TLS.Mode == "files") {
		out = append(out, warn("tls.mode", "the AWS ALB does not use Kubernetes TLS Secrets",
			"with ingress.controller alb set tls.mode none and give ingress.alb.certificateARN (or let the controller find the ACM certificate by host)"))
	}
	if a.TLS.CAFile != "" {
		out = append(out, checkFile("tls.caFile", a.TLS.CAFile, true)...)
	}
	return out
}
