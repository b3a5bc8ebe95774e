package verify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/harborapi"
	"github.com/harbor-installer/harbor-installer/steps"
)

// Run proves the install: Harbor is reachable through externalURL with a
// trusted certificate for the domain, every component is healthy, the
// admin logs in, LDAP works through Harbor, an image pushed through
// externalURL comes back with the same digest and its blobs are in the
// bucket, and backups are scheduled. report, when not nil, gets each
// finding as it is made. The error is set only when ctx ended.
func Run(ctx context.Context, a *answers.Answers, opts Options, report func(steps.Finding)) ([]steps.Finding, error) {
	c := &collector{report: report}
	client, _, err := adminClient(a, &opts)
	if err != nil {
		key := "harbor.adminPassword"
		if strings.HasPrefix(err.Error(), "tls.caFile") {
			key = "tls.caFile"
		}
		c.add(failf(key, err.Error(), "fix the answer, then run harbor-installer verify again"))
		return c.out, ctx.Err()
	}
	defer client.Close()
	if c.harbor(ctx, a, &opts, client) {
		if a.LDAP.Enabled {
			c.add(ldapChecks(ctx, a, &opts, client)...)
		}
		c.add(storageCheck(ctx, a, &opts, client)...)
	}
	if ctx.Err() != nil {
		return c.out, ctx.Err()
	}
	if a.Backup.Enabled {
		c.add(backupChecks(ctx, a, &opts)...)
	}
	return c.out, ctx.Err()
}

// harbor checks reachability, health and the admin login; it returns
// whether the API can be used for the checks after it.
func (c *collector) harbor(ctx context.Context, a *answers.Answers, o *Options, client *harborapi.Client) bool {
	deadline := time.Now().Add(o.HealthWait)
	if o.HealthWait <= 0 {
		deadline = time.Now().Add(5 * time.Minute)
	}
	var last *harborapi.OverallHealthStatus
	for {
		cctx, cancel := context.WithTimeout(ctx, o.timeout())
		h, err := client.Health(cctx)
		cancel()
		if ctx.Err() != nil {
			return false
		}
		if err != nil {
			var se *harborapi.StatusError
			if !errors.As(err, &se) {
				// No HTTP answer at all: DNS, TLS or the connection.
				c.add(reachFailure(a, err))
				return false
			}
			if se.Status/100 == 3 {
				c.add(failf("ingress.className", fmt.Sprintf("%s: %v", a.ExternalURL(), err),
					"externalURL must be served by Harbor itself: check the ingress's host rule and that TLS ends where externalURL's scheme says"))
				return false
			}
			if time.Now().After(deadline) {
				c.add(failf("harbor", fmt.Sprintf("Harbor's health API did not answer: %v", err), "check the core pods: kubectl -n "+a.Harbor.Namespace+" get pods"))
				return false
			}
		} else {
			last = h
			if h.Status == "healthy" {
				break
			}
			if time.Now().After(deadline) {
				break
			}
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(o.poll()):
		}
	}
	c.add(okf("harbor.domain", fmt.Sprintf("%s answers with a certificate trusted for %s", a.ExternalURL(), a.Harbor.Domain)))
	if last.Status == "healthy" {
		c.add(okf("harbor", fmt.Sprintf("every Harbor component is healthy (%d)", len(last.Components))))
	} else {
		var bad []string
		for _, comp := range last.Components {
			if comp.Status != "healthy" {
				s := comp.Name
				if comp.Error != "" {
					s += " (" + comp.Error + ")"
				}
				if ev := c.podEvent(ctx, a, o, comp.Name); ev != "" {
					s += "; its pod's last event: " + ev
				}
				bad = append(bad, s)
			}
		}
		sort.Strings(bad)
		c.add(failf("harbor", "unhealthy after "+waitText(o)+": "+strings.Join(bad, ", "),
			fmt.Sprintf("look at the component's pod: kubectl -n %s describe pod -l component=<name>, then its logs", a.Harbor.Namespace)))
	}

	cctx, cancel := context.WithTimeout(ctx, o.timeout())
	u, err := client.CurrentUser(cctx)
	cancel()
	switch {
	case harborapi.IsStatus(err, http.StatusUnauthorized):
		c.add(failf("harbor.adminPassword", fmt.Sprintf("admin cannot log in through %s: %v", a.ExternalURL(), err),
			fmt.Sprintf("harbor.adminPassword (%s) is not the admin's password; Harbor keeps the password it was first installed with, so give that one or change it in Harbor", a.Harbor.AdminPassword)))
		return false
	case err != nil:
		c.add(failf("harbor", "admin login check failed: "+err.Error(), "check Harbor core's logs"))
		return false
	case !u.SysadminFlag:
		c.add(failf("harbor.adminPassword", "user admin logged in but is not a system admin", "restore admin's system admin flag in Harbor"))
		return false
	}
	c.add(okf("harbor.adminPassword", fmt.Sprintf("admin logs in through %s (DNS, ingress and TLS work together)", a.ExternalURL())))
	return last.Status == "healthy"
}

func waitText(o *Options) string {
	if o.HealthWait <= 0 {
		return "5m0s"
	}
	return o.HealthWait.String()
}

// podEvent finds the last event of a component's pods, "" when unknown.
func (c *collector) podEvent(ctx context.Context, a *answers.Answers, o *Options, component string) string {
	if o.Cluster == nil {
		return ""
	}
	cctx, cancel := context.WithTimeout(ctx, o.timeout())
	defer cancel()
	// registryctl runs in the registry pod; the chart labels pods
	// release=<release>, component=<component>.
	if component == "registryctl" {
		component = "registry"
	}
	ev, err := o.Cluster.LastPodEvent(cctx, a.Harbor.Namespace, "release="+a.Harbor.ReleaseName+",component="+component)
	if err != nil {
		return ""
	}
	return ev
}

// ldapChecks runs Harbor's own LDAP ping with its stored settings, looks
// up ldap.testUser and the admin group through Harbor.
func ldapChecks(ctx context.Context, a *answers.Answers, o *Options, client *harborapi.Client) []steps.Finding {
	var out []steps.Finding
	cctx, cancel := context.WithTimeout(ctx, o.timeout())
	defer cancel()
	res, err := client.LDAPPing(cctx)
	if err == nil && !res.Success {
		err = errors.New(res.Message)
	}
	if err != nil {
		return append(out, failf("ldap.url", "Harbor's LDAP ping with its stored settings failed: "+err.Error(),
			"Harbor cannot reach or bind to "+a.LDAP.URL+": check ldap.url, ldap.bindDN and ldap.bindPassword, that the cluster can reach the server, and for ldaps:// that Harbor trusts its CA"))
	}
	out = append(out, okf("ldap.url", "Harbor reaches and binds to its LDAP server"))
	if a.LDAP.TestUser != "" {
		us, err := client.LDAPSearchUsers(cctx, a.LDAP.TestUser)
		switch {
		case err != nil:
			out = append(out, failf("ldap.testUser", "user search through Harbor failed: "+err.Error(), "check ldap.baseDN, ldap.filter and ldap.uidAttribute"))
		case len(us) == 0:
			out = append(out, failf("ldap.testUser", fmt.Sprintf("Harbor finds no LDAP user %q", a.LDAP.TestUser),
				"check ldap.baseDN, ldap.filter, ldap.uidAttribute and ldap.scope as Harbor uses them"))
		case len(us) > 1:
			out = append(out, failf("ldap.testUser", fmt.Sprintf("Harbor finds %d LDAP users for %q; logins would be ambiguous", len(us), a.LDAP.TestUser),
				"narrow ldap.filter or ldap.baseDN so one login matches one entry"))
		default:
			out = append(out, okf("ldap.testUser", fmt.Sprintf("Harbor finds LDAP user %s (%s)", us[0].Username, us[0].Email)))
		}
	}
	if a.LDAP.GroupAdminDN != "" {
		gs, err := client.LDAPSearchGroupByDN(cctx, a.LDAP.GroupAdminDN)
		switch {
		case err != nil && !harborapi.IsStatus(err, http.StatusNotFound):
			out = append(out, failf("ldap.groupAdminDN", "group search through Harbor failed: "+err.Error(), "check ldap.groupBaseDN and ldap.groupFilter"))
		case len(gs) == 0:
			out = append(out, failf("ldap.groupAdminDN", fmt.Sprintf("Harbor does not resolve the admin group %s", a.LDAP.GroupAdminDN),
				"the DN must be a group under ldap.groupBaseDN that ldap.groupFilter matches"))
		default:
			out = append(out, okf("ldap.groupAdminDN", fmt.Sprintf("admin group %s resolves to %q", a.LDAP.GroupAdminDN, gs[0].GroupName)))
		}
	}
	return out
}
