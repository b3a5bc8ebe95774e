package steps

import (
	"context"
	"fmt"

	"github.com/harbor-installer/harbor-installer/answers"
)

// ingressControllers maps ingress.controller to the spec.controller its
// IngressClass carries.
var ingressControllers = map[string]string{
	"nginx": "k8s.io/ingress-nginx",
	"alb":   "ingress.k8s.aws/alb",
}

// ingressLive checks that ingress.className exists and belongs to the
// controller the answers name (annotations are written for that controller).
func ingressLive(ctx context.Context, a *answers.Answers, env *Env) []Finding {
	if env.Cluster == nil {
		return noCluster("ingress.className")
	}
	name := a.Ingress.ClassName
	ic, err := env.Cluster.IngressClass(ctx, name)
	if err != nil {
		return []Finding{fail("ingress.className", fmt.Sprintf("cannot read IngressClass %s: %s", name, errText(err, env.timeout())), "check this user may get IngressClasses")}
	}
	want := ingressControllers[a.Ingress.Controller]
	if ic == nil {
		hint := "install the ingress controller, or name an existing class (kubectl get ingressclass)"
		if a.Ingress.Controller == "alb" {
			hint = "install the AWS Load Balancer Controller (it creates IngressClass alb), or name an existing class"
		}
		return []Finding{fail("ingress.className", fmt.Sprintf("no IngressClass %s", name), hint)}
	}
	if want != "" && ic.Spec.Controller != want {
		return []Finding{fail("ingress.controller", fmt.Sprintf("IngressClass %s is served by %s, not %s (%s)", name, ic.Spec.Controller, a.Ingress.Controller, want),
			"set ingress.controller to the controller behind the class, or pick a class of "+a.Ingress.Controller)}
	}
	return []Finding{ok("ingress.className", fmt.Sprintf("IngressClass %s is served by %s", name, ic.Spec.Controller))}
}
