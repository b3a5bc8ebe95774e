package steps

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/harbor-installer/harbor-installer/answers"
)

// ldapLive checks LDAP login as Harbor will do it, stage by stage: connect
// (and TLS), bind as ldap.bindDN, then searches for the base DN, the test
// user, the groups and the admin group. A failure names its stage and the
// key to fix. The bind password is never put into a finding.
func ldapLive(ctx context.Context, a *answers.Answers, env *Env) []Finding {
	l := a.LDAP
	if !l.Enabled {
		return nil
	}
	timeout := env.timeout()
	u, err := url.Parse(l.URL)
	if err != nil || (u.Scheme != "ldap" && u.Scheme != "ldaps") || u.Host == "" {
		return []Finding{fail("ldap.url", fmt.Sprintf("%q is not an ldap:// or ldaps:// URL", l.URL), "write ldap://host:389 or ldaps://host:636")}
	}
	host := u.Hostname()
	roots, err := caPool(l.CAFile)
	if err != nil {
		return []Finding{fail("ldap.caFile", err.Error(), "give a readable PEM CA bundle, or leave it empty for the system roots")}
	}
	tlsCfg := &tls.Config{ServerName: host, RootCAs: roots, InsecureSkipVerify: !l.VerifyCert, MinVersion: tls.VersionTLS12} //nolint:gosec // ldap.verifyCert false asks for it, and it is reported

	// Watch ctx: closing the connection ends any stage still waiting.
	dialer := &net.Dialer{Timeout: timeout}
	conn, err := ldap.DialURL(l.URL, ldap.DialWithDialer(dialer), ldap.DialWithTLSConfig(tlsCfg))
	if err != nil {
		return []Finding{ldapConnFailure(l, "connect", err, timeout)}
	}
	defer conn.Close()
	conn.SetTimeout(timeout)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	var out []Finding
	// secure is about this check's own connection. Harbor's connection is
	// judged by the field check (ldapPlaintext): Harbor never uses StartTLS,
	// so a StartTLS upgrade here says nothing about how Harbor binds.
	secure := u.Scheme == "ldaps"
	if l.StartTLS && !secure {
		done := make(chan error, 1)
		go func() { done <- conn.StartTLS(tlsCfg) }()
		select {
		case err = <-done:
		case <-time.After(timeout):
			conn.Close()
			err = fmt.Errorf("no answer within %s", timeout)
		}
		if err != nil {
			return []Finding{ldapConnFailure(l, "StartTLS", err, timeout)}
		}
		secure = true
		out = append(out, warn("ldap.startTLS", "the checks used StartTLS on "+l.URL+"; Harbor never uses StartTLS (goharbor/harbor#19989), so this proves nothing for Harbor, which binds over plain ldap://",
			"use ldaps://host:636 so Harbor's bind is encrypted too"))
	}
	if secure && !l.VerifyCert {
		out = append(out, warn("ldap.verifyCert", "false: the server's certificate is not verified, so the bind password can be intercepted",
			"set ldap.verifyCert true and give the server's CA as ldap.caFile (and to Harbor)"))
	}

	pw, err := resolveSecret(l.BindPassword)
	if err != nil {
		return append(out, fail("ldap.bindPassword", err.Error(), "export the variable or fix the file reference"))
	}
	if err := conn.Bind(l.BindDN, pw); err != nil {
		return append(out, ldapBindFailure(l, err, timeout))
	}
	out = append(out, ok("ldap.bindDN", fmt.Sprintf("bound to %s as %s", l.URL, l.BindDN)))

	// Base DN.
	if l.BaseDN != "" {
		if _, err := ldapBase(conn, l.BaseDN, "dn"); err != nil {
			return append(out, ldapSearchFailure("ldap.baseDN", "base DN "+l.BaseDN, err, timeout))
		}
	}
	// The test user: filter AND uidAttribute=<user> must find exactly one.
	if l.TestUser != "" {
		out = append(out, ldapTestUser(conn, l, timeout)...)
	}
	if l.GroupBaseDN != "" {
		out = append(out, ldapGroups(conn, l, timeout)...)
	}
	if l.GroupAdminDN != "" {
		if _, err := ldapBase(conn, l.GroupAdminDN, "dn"); err != nil {
			out = append(out, ldapSearchFailure("ldap.groupAdminDN", "admin group "+l.GroupAdminDN, err, timeout))
		} else {
			out = append(out, ok("ldap.groupAdminDN", l.GroupAdminDN+" exists"))
		}
	}
	return out
}

// ldapBase reads one entry by DN.
func ldapBase(conn *ldap.Conn, dn string, attrs ...string) (*ldap.Entry, error) {
	res, err := conn.Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 1, 0, false, "(objectClass=*)", attrs, nil))
	if err != nil {
		return nil, err
	}
	if len(res.Entries) == 0 {
		return nil, ldap.NewError(ldap.LDAPResultNoSuchObject, errors.New("no such object"))
	}
	return res.Entries[0], nil
}

func ldapUserFilter(l answers.LDAP, user string) string {
	f := l.Filter
	if f != "" && !strings.HasPrefix(f, "(") {
		f = "(" + f + ")"
	}
	return "(&" + f + "(" + l.UIDAttribute + "=" + ldap.EscapeFilter(user) + "))"
}

func ldapTestUser(conn *ldap.Conn, l answers.LDAP, timeout time.Duration) []Finding {
	filter := ldapUserFilter(l, l.TestUser)
	if _, err := ldap.CompileFilter(filter); err != nil {
		return []Finding{fail("ldap.filter", fmt.Sprintf("%q does not parse with the uid clause: %v", l.Filter, err), "write an LDAP filter such as (objectClass=person)")}
	}
	attrs := []string{"dn"}
	if l.MembershipAttr != "" {
		attrs = append(attrs, l.MembershipAttr)
	}
	res, err := conn.Search(ldap.NewSearchRequest(l.BaseDN, l.Scope, ldap.NeverDerefAliases, 2, 0, false, filter, attrs, nil))
	if err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		return []Finding{ldapSearchFailure("ldap.filter", "user search "+filter, err, timeout)}
	}
	if res == nil {
		res = &ldap.SearchResult{}
	}
	switch n := len(res.Entries); {
	case n == 0:
		return []Finding{fail("ldap.testUser", fmt.Sprintf("search %s under %s (scope %d) finds no entry", filter, l.BaseDN, l.Scope),
			"check ldap.testUser, ldap.uidAttribute, ldap.filter, ldap.baseDN and ldap.scope (2 searches the whole subtree)")}
	case n > 1:
		return []Finding{fail("ldap.uidAttribute", fmt.Sprintf("search %s finds more than one entry (%s, %s): logins would be ambiguous", filter, res.Entries[0].DN, res.Entries[1].DN),
			"use a unique attribute (uid, sAMAccountName) or narrow ldap.filter")}
	}
	e := res.Entries[0]
	out := []Finding{ok("ldap.testUser", fmt.Sprintf("%s finds exactly one entry: %s", filter, e.DN))}
	if l.MembershipAttr != "" && l.GroupBaseDN != "" {
		if groups := attrValues(e, l.MembershipAttr); len(groups) > 0 {
			out = append(out, ok("ldap.groupMembershipAttribute", fmt.Sprintf("%s has %d %s value(s)", e.DN, len(groups), l.MembershipAttr)))
		} else {
			out = append(out, warn("ldap.groupMembershipAttribute", fmt.Sprintf("%s has no %s attribute", e.DN, l.MembershipAttr),
				"Harbor reads group membership from it: check the attribute name, that the test user is in a group, and (OpenLDAP) that the memberof overlay is on"))
		}
	}
	return out
}

func ldapGroups(conn *ldap.Conn, l answers.LDAP, timeout time.Duration) []Finding {
	filter := l.GroupFilter
	if filter == "" {
		filter = "(objectClass=*)"
	}
	if _, err := ldap.CompileFilter(filter); err != nil {
		return []Finding{fail("ldap.groupFilter", fmt.Sprintf("%q does not parse: %v", filter, err), "write an LDAP filter such as (objectClass=groupOfNames)")}
	}
	attr := l.GroupAttr
	if attr == "" {
		attr = "cn"
	}
	res, err := conn.Search(ldap.NewSearchRequest(l.GroupBaseDN, l.GroupScope, ldap.NeverDerefAliases, 1000, 0, false, filter, []string{attr}, nil))
	if err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		key := "ldap.groupFilter"
		if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
			key = "ldap.groupBaseDN"
		}
		return []Finding{ldapSearchFailure(key, "group search under "+l.GroupBaseDN, err, timeout)}
	}
	if res == nil || len(res.Entries) == 0 {
		return []Finding{warn("ldap.groupFilter", fmt.Sprintf("%s under %s finds no group", filter, l.GroupBaseDN), "check ldap.groupBaseDN, ldap.groupFilter and ldap.groupScope")}
	}
	var names []string
	for i, e := range res.Entries {
		if i == 5 {
			names = append(names, "...")
			break
		}
		if v := attrValues(e, attr); len(v) > 0 {
			names = append(names, v[0])
		} else {
			names = append(names, e.DN)
		}
	}
	return []Finding{ok("ldap.groupBaseDN", fmt.Sprintf("%d group(s) under %s: %s", len(res.Entries), l.GroupBaseDN, strings.Join(names, ", ")))}
}

// ldapConnFailure reports a failed connect, TLS handshake or StartTLS.
func ldapConnFailure(l answers.LDAP, stage string, err error, timeout time.Duration) Finding {
	seen := fmt.Sprintf("%s %s: %s", stage, l.URL, errText(err, timeout))
	switch certErrorKind(err) {
	case "authority":
		hint := "give the CA that issued the server's certificate as ldap.caFile"
		if l.CAFile != "" {
			hint = "ldap.caFile does not hold the CA that issued the server's certificate"
		}
		return fail("ldap.caFile", "TLS "+seen, hint)
	case "hostname":
		return fail("ldap.url", "TLS "+seen, "connect by a host name the certificate names (its subjectAltName)")
	case "invalid":
		return fail("ldap.verifyCert", "TLS "+seen, "renew the server's certificate (setting ldap.verifyCert false would hide the problem, not fix it)")
	}
	if isTimeout(err) {
		return fail("ldap.url", seen, "the server did not answer in time: check host, port and firewall, and that it speaks LDAP (ldaps:// on 636, ldap:// on 389)")
	}
	if strings.Contains(err.Error(), "tls:") || strings.Contains(err.Error(), "TLS") || strings.Contains(err.Error(), "first record does not look like a TLS handshake") {
		return fail("ldap.url", "TLS "+seen, "ldaps:// needs a TLS port (636); ldap:// with ldap.startTLS needs a server that offers StartTLS")
	}
	return fail("ldap.url", seen, "check host and port, and that the server runs and is reachable from here")
}

// ldapBindFailure reports a failed bind without echoing the password.
func ldapBindFailure(l answers.LDAP, err error, timeout time.Duration) Finding {
	switch {
	case ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials):
		return fail("ldap.bindPassword", fmt.Sprintf("bind as %s: invalid credentials", l.BindDN),
			"check the password (and that ldap.bindDN is the full DN of the service account)")
	case ldap.IsErrorWithCode(err, ldap.LDAPResultConfidentialityRequired), ldap.IsErrorWithCode(err, ldap.LDAPResultStrongAuthRequired):
		return fail("ldap.url", fmt.Sprintf("bind as %s: the server requires TLS: %v", l.BindDN, err), "use ldaps://host:636: Harbor never uses StartTLS, so the server would refuse Harbor's bind over ldap:// too")
	case ldap.IsErrorWithCode(err, ldap.LDAPResultInappropriateAuthentication), ldap.IsErrorWithCode(err, ldap.LDAPResultUnwillingToPerform):
		return fail("ldap.bindDN", fmt.Sprintf("bind as %s refused: %v", l.BindDN, err), "give the DN of a service account with a password")
	case isTimeout(err) || ldap.IsErrorWithCode(err, ldap.ErrorNetwork):
		return fail("ldap.url", fmt.Sprintf("bind at %s: %s", l.URL, errText(err, timeout)), "the server accepted the connection but did not answer: check it is an LDAP server and not overloaded")
	}
	return fail("ldap.bindDN", fmt.Sprintf("bind as %s: %v", l.BindDN, err), "check ldap.bindDN and ldap.bindPassword")
}

func ldapSearchFailure(key, what string, err error, timeout time.Duration) Finding {
	switch {
	case ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject):
		return fail(key, what+": no such entry", "check the DN (kept exactly as in the directory)")
	case ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidDNSyntax):
		return fail(key, what+": not a valid DN", "write a DN such as ou=people,dc=example,dc=org")
	case ldap.IsErrorWithCode(err, ldap.LDAPResultInsufficientAccessRights):
		return fail("ldap.bindDN", what+": the bind DN may not read it", "give the service account read access to users and groups")
	case isTimeout(err) || ldap.IsErrorWithCode(err, ldap.ErrorNetwork):
		return fail("ldap.url", what+": "+errText(err, timeout), "the server stopped answering")
	}
	return fail(key, fmt.Sprintf("%s: %v", what, err), "check the search settings")
}

// attrValues returns an attribute's values; attribute names are
// case-insensitive in LDAP (memberof and memberOf are one attribute), while
// go-ldap's Entry getters compare them exactly.
func attrValues(e *ldap.Entry, name string) []string {
	for _, a := range e.Attributes {
		if strings.EqualFold(a.Name, name) {
			return a.Values
		}
	}
	return nil
}
