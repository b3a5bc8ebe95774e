package steps

import (
	"fmt"

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
	// Upper case is lower-cased, as render writes the host, not refused.
	out := checkDNSName("harbor.domain", a.Host())
	if len(out) > 0 && out[0].Level == Fail {
		return out
	}
	if a.Host() != a.Harbor.Domain {
		out = append(out, ok("harbor.domain", fmt.Sprintf("%q is used in lower case, %s, for the Ingress host, the certificate check and externalURL", a.Harbor.Domain, a.Host())))
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
