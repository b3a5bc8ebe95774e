package steps

import (
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/harbor-installer/harbor-installer/answers"
)

// domainLive checks that harbor.domain resolves and, with ingress-nginx
// behind a LoadBalancer Service, that it points at that load balancer.
// With an ALB the address is made when Harbor's Ingress is created, so
// there is nothing to compare yet.
func domainLive(ctx context.Context, a *answers.Answers, env *Env) []Finding {
	d := strings.ToLower(a.Harbor.Domain)
	if d == "" || env.Resolver == nil {
		return nil
	}
	var addrs []string
	var lookupErr error
	var lbs []string
	var lbErr error
	Parallel(
		func() []Finding {
			c, cancel := env.op(ctx)
			defer cancel()
			addrs, lookupErr = env.Resolver.LookupHost(c, d)
			return nil
		},
		func() []Finding {
			if a.Ingress.Controller != "nginx" || env.Cluster == nil {
				return nil
			}
			lbs, lbErr = nginxLBAddresses(ctx, env)
			return nil
		},
	)
	if lookupErr != nil {
		return []Finding{warn("harbor.domain", fmt.Sprintf("%s does not resolve: %s", d, errText(lookupErr, env.timeout())),
			"create a DNS record for it pointing at the ingress controller's load balancer before users push")}
	}
	seen := fmt.Sprintf("%s resolves to %s", d, quoteList(addrs))
	if lbErr != nil || len(lbs) == 0 {
		return []Finding{ok("harbor.domain", seen)}
	}
	for _, x := range addrs {
		for _, y := range lbs {
			if x == y {
				return []Finding{ok("harbor.domain", seen+", the ingress-nginx load balancer's address")}
			}
		}
	}
	return []Finding{warn("harbor.domain", seen+"; the ingress-nginx load balancer has "+quoteList(lbs),
		"point the DNS record at the load balancer (or check a proxy in front of it forwards to it)")}
}

// nginxLBAddresses returns the IP addresses of ingress-nginx's load
// balancers, resolving those given as host names.
func nginxLBAddresses(ctx context.Context, env *Env) ([]string, error) {
	lbs, err := env.Cluster.IngressNginxLoadBalancers(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, lb := range lbs {
		for _, addr := range lb.Addresses {
			if net.ParseIP(addr) != nil {
				out = append(out, addr)
				continue
			}
			c, cancel := env.op(ctx)
			ips, err := env.Resolver.LookupHost(c, addr)
			cancel()
			if err == nil {
				out = append(out, ips...)
			}
		}
	}
	return out, nil
}
