package steps

import (
	"fmt"
	"net"
	"regexp"
	"strings"

	"github.com/harbor-installer/harbor-installer/answers"
)

func harborStep() Step {
	return Step{
		Name:     "harbor",
		Title:    "Harbor",
		Keys:     []string{"harbor", "migration"},
		Validate: func(a *answers.Answers) []Finding { return append(validateHarbor(a), validateMigration(a)...) },
		Check:    harborLive,
	}
}

var projectName = regexp.MustCompile(`^[a-z0-9]+(?:[._-][a-z0-9]+)*$`)

func validateHarbor(a *answers.Answers) []Finding {
	h := a.Harbor
	var out []Finding
	out = append(out, checkK8sName("harbor.namespace", h.Namespace, true)...)
	out = append(out, checkK8sName("harbor.releaseName", h.ReleaseName, true)...)
	if len(h.ReleaseName) > 53 {
		out = append(out, fail("harbor.releaseName", "longer than 53 characters", "Helm release names are at most 53 characters"))
	}
	out = append(out, checkSecret("harbor.adminPassword", h.AdminPassword, "generate")...)

	r := h.Replicas
	for _, v := range []struct {
		key string
		n   int
	}{{"default", r.Default}, {"core", r.Core}, {"portal", r.Portal}, {"registry", r.Registry}, {"jobservice", r.Jobservice}, {"trivy", r.Trivy}} {
		if v.n < 0 {
			out = append(out, fail("harbor.replicas."+v.key, fmt.Sprintf("%d", v.n), "replicas must be at least 1"))
		}
	}
	if r.Max() > 1 {
		var single []string
		if h.Database.Type == "internal" {
			single = append(single, "database")
		}
		if h.Redis.Type == "internal" {
			single = append(single, "redis")
		}
		if len(single) > 0 {
			out = append(out, warn("harbor."+single[0]+".type", fmt.Sprintf("%d replicas, but the internal %s run as one pod each: not highly available", r.Max(), strings.Join(single, " and ")),
				"for HA use external PostgreSQL and Redis (harbor.database.type and harbor.redis.type: external)"))
		}
	}

	if d := h.Database; d.Type == "external" {
		out = append(out, checkHost("harbor.database.host", d.Host)...)
		if d.Port < 1 || d.Port > 65535 {
			out = append(out, fail("harbor.database.port", fmt.Sprintf("%d", d.Port), "give a TCP port, usually 5432"))
		}
		if d.User == "" {
			out = append(out, fail("harbor.database.user", "required but empty", "give the PostgreSQL user"))
		}
		if d.Database == "" {
			out = append(out, fail("harbor.database.database", "required but empty", "give the database name"))
		}
		out = append(out, checkSecret("harbor.database.password", d.Password, "required")...)
		out = append(out, checkFile("harbor.database.caFile", d.CAFile, false)...)
	}
	if rd := h.Redis; rd.Type == "external" {
		addrs := strings.Split(rd.Addr, ",")
		if rd.Addr == "" {
			out = append(out, fail("harbor.redis.addr", "required but empty", "give host:port, or a comma-separated list of Sentinels with sentinelMasterSet"))
			addrs = nil
		}
		for _, ad := range addrs {
			ad = strings.TrimSpace(ad)
			if _, _, err := net.SplitHostPort(ad); err != nil {
				out = append(out, fail("harbor.redis.addr", fmt.Sprintf("%q is not host:port", ad), "e.g. redis.example.org:6379"))
				continue
			}
			// The port must be a number and the host a name or address:
			// SplitHostPort alone lets "redis:six" through, and core only
			// fails on it at start.
			out = append(out, checkHost("harbor.redis.addr", ad)...)
		}
		if len(addrs) > 1 && rd.SentinelMasterSet == "" {
			out = append(out, fail("harbor.redis.sentinelMasterSet", "several addresses but no master set", "name the Sentinel master set, e.g. mymaster"))
		}
		out = append(out, checkSecret("harbor.redis.password", rd.Password, "optional")...)
		if rd.Password.Kind() != answers.SecretEmpty {
			out = append(out, redisPasswordCopies(a))
		}
	}

	names := map[string]bool{}
	for i, p := range h.Projects {
		key := fmt.Sprintf("harbor.projects[%d]", i)
		if !projectName.MatchString(p.Name) || len(p.Name) > 255 {
			out = append(out, fail(key+".name", fmt.Sprintf("%q is not a valid project name", p.Name), "use lowercase letters and digits, separated by single '.', '_' or '-'"))
		}
		if names[p.Name] {
			out = append(out, fail(key+".name", fmt.Sprintf("project %q is listed twice", p.Name), "keep one"))
		}
		names[p.Name] = true
		for j, m := range p.Members {
			mk := fmt.Sprintf("%s.members[%d]", key, j)
			out = append(out, checkDN(mk+".group", m.Group, true)...)
			if m.Role == "" {
				out = append(out, fail(mk+".role", "required but empty", "projectAdmin, maintainer, developer, guest or limitedGuest"))
			}
			if !a.LDAP.Enabled {
				out = append(out, fail(mk+".group", "LDAP groups need ldap.enabled", "enable LDAP or remove the members"))
			}
		}
	}
	return out
}

// redisPasswordCopies warns that the Harbor chart copies an external Redis
// password where the installer cannot stop it: it looks REDIS_PASSWORD up
// at install and writes it, inside the Redis URLs, into the core,
// jobservice, registry and (with metrics) exporter ConfigMaps, and so into
// the Helm release record. No chart value avoids it (see charts.md).
func redisPasswordCopies(a *answers.Answers) Finding {
	h := a.Harbor
	full := harborFullname(h.ReleaseName)
	cms := []string{full + "-core", full + "-jobservice", full + "-registry"}
	if h.Metrics {
		cms = append(cms, full+"-exporter")
	}
	return warn("harbor.redis.password", fmt.Sprintf("the Harbor chart copies this password in clear into ConfigMaps %s in namespace %s, and so into the Helm release record (Secret sh.helm.release.v1.%s.v*); no chart value avoids it",
		quoteList(cms), h.Namespace, h.ReleaseName),
		"give Harbor a Redis user and password used by nothing else, and limit who may read ConfigMaps and Secrets in "+h.Namespace)
}

// harborFullname is the Harbor chart's harbor.fullname for a release: the
// release name when it contains "harbor", else <release>-harbor.
func harborFullname(release string) string {
	if strings.Contains(release, "harbor") {
		return release
	}
	return release + "-harbor"
}
