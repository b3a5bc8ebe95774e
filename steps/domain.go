package steps

import (
	"github.com/harbor-installer/harbor-installer/answers"
)

func domainStep() Step {
	return Step{
		Name:     "domain",
		Title:    "Domain",
		Keys:     []string{"harbor.domain"},
		Validate: validateDomain,
		Check:    domainLive,
	}
}

func validateDomain(a *answers.Answers) []Finding {
	out := checkDNSName("harbor.domain", a.Harbor.Domain)
	if len(out) > 0 && out[0].Level == Fail {
		return out
	}
	url := a.ExternalURL()
	if a.Scheme() == "http" {
		out = append(out, warn("harbor.domain", "externalURL will be "+url+" (plain http)",
			"docker refuses http registries unless each client lists it in insecure-registries; use a TLS mode other than none, or an ALB certificate"))
	} else {
		out = append(out, ok("harbor.domain", "externalURL will be "+url+", the same host as the Ingress and the certificate"))
	}
	return out
}
