package steps

import (
	"fmt"
	"net"
	"net/url"

	"github.com/go-ldap/ldap/v3"

	"github.com/harbor-installer/harbor-installer/answers"
)

func ldapStep() Step {
	return Step{
		Name:     "ldap",
		Title:    "LDAP",
		Keys:     []string{"ldap"},
		Validate: validateLDAP,
		Check:    ldapLive,
	}
}

func checkDN(key, dn string, required bool) []Finding {
	if dn == "" {
		if required {
			return []Finding{fail(key, "required but empty", "give a DN such as dc=example,dc=org")}
		}
		return nil
	}
	if _, err := ldap.ParseDN(dn); err != nil {
		return []Finding{fail(key, fmt.Sprintf("%q is not a valid DN: %v", dn, err), "write attribute=value pairs separated by commas, e.g. ou=people,dc=example,dc=org")}
	}
	return nil
}

func checkFilter(key, f string) []Finding {
	if f == "" {
		return nil
	}
	if _, err := ldap.CompileFilter(f); err != nil {
		return []Finding{fail(key, fmt.Sprintf("%q is not a valid LDAP filter: %v", f, err), "wrap it in parentheses, e.g. (objectClass=person)")}
	}
	return nil
}

func validateLDAP(a *answers.Answers) []Finding {
	l := a.LDAP
	if !l.Enabled {
		return []Finding{ok("ldap.enabled", "false: Harbor uses its own user database")}
	}
	var out []Finding
	u, err := url.Parse(l.URL)
	switch {
	case l.URL == "":
		out = append(out, fail("ldap.url", "required but empty", "give ldaps://host:636"))
	case err != nil || (u.Scheme != "ldap" && u.Scheme != "ldaps") || u.Host == "":
		out = append(out, fail("ldap.url", fmt.Sprintf("%q is not an ldap:// or ldaps:// URL", l.URL), "write ldaps://host:636"))
	default:
		if h, _, err := net.SplitHostPort(u.Host); err == nil {
			_ = h
		} else if u.Port() == "" {
			out = append(out, ok("ldap.url", fmt.Sprintf("no port: the default for %s is used", u.Scheme)))
		}
		if u.Path != "" && u.Path != "/" {
			out = append(out, fail("ldap.url", fmt.Sprintf("%q has a path", l.URL), "put the base DN in ldap.baseDN, not in the URL"))
		}
		if u.Scheme == "ldap" {
			out = append(out, ldapPlaintext(l)...)
		}
		if u.Scheme == "ldaps" && l.StartTLS {
			out = append(out, fail("ldap.startTLS", "StartTLS cannot be used on an ldaps:// connection", "set ldap.startTLS false; ldaps:// already encrypts"))
		}
	}
	out = append(out, checkDN("ldap.bindDN", l.BindDN, true)...)
	out = append(out, checkSecret("ldap.bindPassword", l.BindPassword, "required")...)
	out = append(out, checkDN("ldap.baseDN", l.BaseDN, true)...)
	out = append(out, checkDN("ldap.groupBaseDN", l.GroupBaseDN, false)...)
	out = append(out, checkDN("ldap.groupAdminDN", l.GroupAdminDN, false)...)
	out = append(out, checkFilter("ldap.filter", l.Filter)...)
	out = append(out, checkFilter("ldap.groupFilter", l.GroupFilter)...)
	if l.UIDAttribute == "" {
		out = append(out, fail("ldap.uidAttribute", "required but empty", "give the attribute users log in with, e.g. uid, sAMAccountName or mail"))
	}
	for _, s := range []struct {
		key string
		v   int
	}{{"ldap.scope", l.Scope}, {"ldap.groupScope", l.GroupScope}} {
		if s.v < 0 || s.v > 2 {
			out = append(out, fail(s.key, fmt.Sprintf("%d", s.v), "0 (base), 1 (one level) or 2 (subtree)"))
		}
	}
	if l.Timeout < 1 {
		out = append(out, fail("ldap.timeout", fmt.Sprintf("%d", l.Timeout), "give seconds, at least 1"))
	}
	if !l.VerifyCert {
		out = append(out, warn("ldap.verifyCert", "false: Harbor accepts any certificate from the LDAP server", "give ldap.caFile and keep verifyCert true"))
	}
	out = append(out, checkFile("ldap.caFile", l.CAFile, false)...)
	if l.TestUser == "" {
		out = append(out, warn("ldap.testUser", "empty: the live check cannot prove that the filter finds users", "give a login name that exists, e.g. your own"))
	}
	return out
}

// ldapPlaintext judges an ldap:// URL by what Harbor does, not by what the
// checks do: Harbor never uses StartTLS (goharbor/harbor#19989), so with a
// bind password it always binds in cleartext over ldap://, and a server
// that requires TLS refuses it. That is a fail unless ldap.allowPlaintext
// accepts it, and then a warning. ldap.startTLS changes only how the checks
// connect, so it never makes this finding better.
func ldapPlaintext(l answers.LDAP) []Finding {
	if l.BindPassword.Kind() == answers.SecretEmpty {
		return []Finding{warn("ldap.url", "ldap://: Harbor sends users' passwords in cleartext (Harbor never uses StartTLS)", "use ldaps://host:636")}
	}
	startTLS := ""
	if l.StartTLS {
		startTLS = "; ldap.startTLS applies to the checks only and proves nothing for Harbor"
	}
	if !l.AllowPlaintext {
		return []Finding{fail("ldap.url", "ldap:// with a bind password: Harbor never uses StartTLS (goharbor/harbor#19989), so it would send the bind password and users' passwords in cleartext"+startTLS,
			"use ldaps://host:636 (give its CA as ldap.caFile); to accept a cleartext bind on a trusted network, set ldap.allowPlaintext true")}
	}
	return []Finding{warn("ldap.allowPlaintext", "true: Harbor binds over ldap:// in cleartext, sending the bind password and users' passwords unencrypted"+startTLS, "use ldaps://host:636 when the server offers it")}
}
