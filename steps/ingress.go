package steps

import (
	"fmt"
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/harbor-installer/harbor-installer/answers"
)

func ingressStep() Step {
	return Step{
		Name:     "ingress",
		Title:    "Ingress",
		Keys:     []string{"ingress"},
		Validate: validateIngress,
		Check:    ingressLive,
	}
}

var acmARN = regexp.MustCompile(`^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]+$`)

func validateIngress(a *answers.Answers) []Finding {
	var out []Finding
	out = append(out, checkK8sName("ingress.className", a.Ingress.ClassName, false)...)
	switch a.Ingress.Controller {
	case "alb":
		if arn := a.Ingress.ALB.CertificateARN; arn != "" && !acmARN.MatchString(arn) {
			out = append(out, fail("ingress.alb.certificateARN", fmt.Sprintf("%q is not an ACM certificate ARN", arn),
				"copy it from ACM: arn:aws:acm:<region>:<account>:certificate/<id>"))
		} else if arn == "" {
			out = append(out, ok("ingress.alb.certificateARN", "empty: the ALB controller discovers the ACM certificate matching harbor.domain"))
		}
	case "nginx":
		if v, set := a.Ingress.Annotations["nginx.ingress.kubernetes.io/proxy-body-size"]; set && v != "0" {
			out = append(out, warn("ingress.annotations", fmt.Sprintf("proxy-body-size is %q", v),
				"image layers are often larger; pushes fail with 413 above this size (\"0\" means no limit)"))
		}
	}
	for k := range a.Ingress.Annotations {
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			out = append(out, fail("ingress.annotations", fmt.Sprintf("%q is not a valid annotation key: %s", k, errs[0]), "annotation keys are [prefix/]name"))
		}
		if a.Ingress.Controller == "alb" && strings.HasPrefix(k, "nginx.ingress.kubernetes.io/") {
			out = append(out, warn("ingress.annotations", fmt.Sprintf("%s is an nginx annotation but the controller is alb", k), "remove it or switch ingress.controller"))
		}
	}
	return out
}
