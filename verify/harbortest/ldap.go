package harbortest

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// LDAPConfig is Harbor's stored LDAP configuration (the ldap_* settings).
type LDAPConfig struct {
	URL          string // ldap_url
	SearchDN     string // ldap_search_dn
	SearchPass   string // ldap_search_password
	BaseDN       string // ldap_base_dn
	Filter       string // ldap_filter
	UID          string // ldap_uid
	Scope        int    // ldap_scope
	GroupBaseDN  string // ldap_group_base_dn
	GroupFilter  string // ldap_group_search_filter
	GroupNameAtt string // ldap_group_attribute_name
	// TLS verifies ldaps:// (Harbor's ldap_verify_cert with its trust store).
	TLS *tls.Config
}

func (s *Server) ldapConn(ctx context.Context) (*ldap.Conn, *LDAPConfig, error) {
	cfg := s.opts.LDAP
	if cfg == nil {
		return nil, nil, fmt.Errorf("auth_mode is db_auth: LDAP is not configured")
	}
	opts := []ldap.DialOpt{ldap.DialWithDialer(&netDialer)}
	if cfg.TLS != nil {
		opts = append(opts, ldap.DialWithTLSConfig(cfg.TLS))
	}
	c, err := ldap.DialURL(cfg.URL, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("failed to connect to LDAP server %s: %v", cfg.URL, err)
	}
	c.SetTimeout(5 * time.Second)
	if err := c.Bind(cfg.SearchDN, cfg.SearchPass); err != nil {
		c.Close()
		return nil, nil, fmt.Errorf("failed to bind as %s: %v", cfg.SearchDN, err)
	}
	return c, cfg, nil
}

func (s *Server) serveLDAP(w http.ResponseWriter, r *http.Request, path string) {
	switch {
	case path == "/ldap/ping" && r.Method == http.MethodPost:
		// An empty body (or {}) pings with the stored settings.
		if b := body(r); len(b) > 0 {
			if err := validate("LdapConf", b, nil); err != nil {
				harborError(w, http.StatusBadRequest, "BAD_REQUEST", err.Error())
				return
			}
		}
		c, _, err := s.ldapConn(r.Context())
		if err != nil {
			// Harbor answers a failed ping with 400 and the reason.
			harborError(w, http.StatusBadRequest, "BAD_REQUEST", err.Error())
			return
		}
		c.Close()
		writeJSON(w, 200, map[string]any{"success": true, "message": "ping LDAP server successfully"})
	case path == "/ldap/users/search" && r.Method == http.MethodGet:
		c, cfg, err := s.ldapConn(r.Context())
		if err != nil {
			harborError(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
			return
		}
		defer c.Close()
		filter := "(" + cfg.UID + "=" + ldap.EscapeFilter(r.URL.Query().Get("username")) + ")"
		if cfg.Filter != "" {
			filter = "(&" + cfg.Filter + filter + ")"
		}
		res, err := c.Search(ldap.NewSearchRequest(cfg.BaseDN, cfg.Scope, ldap.NeverDerefAliases, 0, 5, false, filter, []string{cfg.UID, "cn", "mail"}, nil))
		if err != nil {
			harborError(w, http.StatusInternalServerError, "UNKNOWN", err.Error())
			return
		}
		out := []map[string]string{}
		for _, e := range res.Entries {
			out = append(out, map[string]string{"username": e.GetAttributeValue(cfg.UID), "realname": e.GetAttributeValue("cn"), "email": e.GetAttributeValue("mail")})
		}
		writeJSON(w, 200, out)
	case path == "/ldap/groups/search" && r.Method == http.MethodGet:
		dn := r.URL.Query().Get("groupdn")
		name, err := s.ldapGroupName(r.Context(), dn)
		if err != nil {
			// Harbor answers 404 when the DN is not a group.
			harborError(w, http.StatusNotFound, "NOT_FOUND", err.Error())
			return
		}
		writeJSON(w, 200, []map[string]any{{"group_name": name, "group_type": 1, "ldap_group_dn": dn}})
	default:
		harborError(w, http.StatusNotFound, "NOT_FOUND", "no such endpoint")
	}
}

// ldapGroupName finds a group by DN under the group base with the group
// filter, as Harbor does before it adds an LDAP group member.
func (s *Server) ldapGroupName(ctx context.Context, dn string) (string, error) {
	c, cfg, err := s.ldapConn(ctx)
	if err != nil {
		return "", err
	}
	defer c.Close()
	if cfg.GroupBaseDN != "" && !strings.HasSuffix(strings.ToLower(dn), strings.ToLower(cfg.GroupBaseDN)) {
		return "", fmt.Errorf("group DN %s is not under ldap_group_base_dn %s", dn, cfg.GroupBaseDN)
	}
	filter := cfg.GroupFilter
	if filter == "" {
		filter = "(objectClass=*)"
	}
	attr := cfg.GroupNameAtt
	if attr == "" {
		attr = "cn"
	}
	res, err := c.Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 5, false, filter, []string{attr}, nil))
	if err != nil || len(res.Entries) != 1 {
		return "", fmt.Errorf("LDAP group %s not found: %v", dn, err)
	}
	return res.Entries[0].GetAttributeValue(attr), nil
}
