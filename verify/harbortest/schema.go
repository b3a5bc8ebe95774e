package harbortest

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// The stand-in checks request bodies against Harbor's v2.0 swagger: every
// property must be one the swagger's definition declares (so a misspelt
// field fails here as it would be silently dropped by Harbor), and the
// fields Harbor's handlers insist on must be present. The swagger itself
// marks almost nothing `required`; the required lists below are what
// Harbor's API handlers refuse a request without.

type schema struct {
	props    map[string]string // property -> nested schema name ("" for scalars)
	arrays   map[string]string // array property -> item schema name
	required []string
}

var schemas = map[string]schema{
	"ProjectReq": {
		props:    map[string]string{"project_name": "", "public": "", "metadata": "ProjectMetadata", "cve_allowlist": "", "storage_limit": "", "registry_id": ""},
		required: []string{"project_name"},
	},
	"ProjectReqUpdate": {
		props: map[string]string{"project_name": "", "public": "", "metadata": "ProjectMetadata", "cve_allowlist": "", "storage_limit": "", "registry_id": ""},
	},
	"ProjectMetadata": {props: map[string]string{"public": "", "enable_content_trust": "", "enable_content_trust_cosign": "", "prevent_vul": "", "severity": "", "auto_scan": "", "auto_sbom_generation": "", "reuse_sys_cve_allowlist": "", "retention_id": "", "proxy_speed_kb": ""}},
	"ProjectMember": {
		props:    map[string]string{"role_id": "", "member_user": "UserEntity", "member_group": "UserGroup"},
		required: []string{"role_id"},
	},
	"UserEntity":  {props: map[string]string{"user_id": "", "username": ""}},
	"UserGroup":   {props: map[string]string{"id": "", "group_name": "", "group_type": "", "ldap_group_dn": ""}},
	"RoleRequest": {props: map[string]string{"role_id": ""}, required: []string{"role_id"}},
	"RobotCreate": {
		props:    map[string]string{"name": "", "description": "", "secret": "", "level": "", "disable": "", "duration": ""},
		arrays:   map[string]string{"permissions": "RobotPermission"},
		required: []string{"name", "level", "duration", "permissions"},
	},
	"RobotPermission": {props: map[string]string{"kind": "", "namespace": ""}, arrays: map[string]string{"access": "Access"}, required: []string{"kind", "namespace", "access"}},
	"Access":          {props: map[string]string{"resource": "", "action": "", "effect": ""}, required: []string{"resource", "action"}},
	"Registry": {
		props:    map[string]string{"id": "", "url": "", "name": "", "credential": "RegistryCredential", "type": "", "insecure": "", "description": "", "status": "", "creation_time": "", "update_time": ""},
		required: []string{"name", "url", "type"},
	},
	"RegistryRef":        {props: map[string]string{"id": "", "url": "", "name": "", "credential": "RegistryCredential", "type": "", "insecure": "", "description": "", "status": "", "creation_time": "", "update_time": ""}, required: []string{"id"}},
	"RegistryCredential": {props: map[string]string{"type": "", "access_key": "", "access_secret": ""}},
	"RegistryUpdate":     {props: map[string]string{"name": "", "description": "", "url": "", "credential_type": "", "access_key": "", "access_secret": "", "insecure": ""}},
	"ReplicationPolicy": {
		props: map[string]string{"id": "", "name": "", "description": "", "src_registry": "RegistryRef", "dest_registry": "RegistryRef", "dest_namespace": "", "dest_namespace_replace_count": "",
			"trigger": "ReplicationTrigger", "replicate_deletion": "", "deletion": "", "override": "", "enabled": "", "creation_time": "", "update_time": "", "speed": "", "copy_by_chunk": ""},
		arrays:   map[string]string{"filters": "ReplicationFilter"},
		required: []string{"name"},
	},
	"ReplicationTrigger":         {props: map[string]string{"type": "", "trigger_settings": "ReplicationTriggerSettings"}, required: []string{"type"}},
	"ReplicationTriggerSettings": {props: map[string]string{"cron": ""}},
	"ReplicationFilter":          {props: map[string]string{"type": "", "value": "", "decoration": ""}, required: []string{"type", "value"}},
	"StartReplicationExecution":  {props: map[string]string{"policy_id": ""}, required: []string{"policy_id"}},
	"QuotaUpdateReq":             {props: map[string]string{"hard": ""}, required: []string{"hard"}},
	"LdapConf":                   {props: map[string]string{"ldap_url": "", "ldap_search_dn": "", "ldap_search_password": "", "ldap_base_dn": "", "ldap_filter": "", "ldap_uid": "", "ldap_scope": "", "ldap_connection_timeout": "", "ldap_verify_cert": ""}},
}

// validate checks body against the named definition and decodes it into out.
func validate(def string, body []byte, out any) error {
	var m any
	if err := json.Unmarshal(body, &m); err != nil {
		return fmt.Errorf("body is not JSON: %v", err)
	}
	if err := check(def, "", m); err != nil {
		return err
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			return fmt.Errorf("body does not fit %s: %v", def, err)
		}
	}
	return nil
}

func check(def, at string, v any) error {
	s, ok := schemas[def]
	if !ok {
		return fmt.Errorf("stand-in has no schema %s", def)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("%s: want a %s object", strings.TrimPrefix(at, "."), def)
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		nested, isProp := s.props[k]
		item, isArray := s.arrays[k]
		switch {
		case isProp && nested != "" && obj[k] != nil:
			if err := check(nested, at+"."+k, obj[k]); err != nil {
				return err
			}
		case isArray:
			arr, ok := obj[k].([]any)
			if !ok && obj[k] != nil {
				return fmt.Errorf("%s.%s: want an array", strings.TrimPrefix(at, "."), k)
			}
			for i, e := range arr {
				if err := check(item, fmt.Sprintf("%s.%s[%d]", at, k, i), e); err != nil {
					return err
				}
			}
		case !isProp:
			return fmt.Errorf("%s: %s has no property %q", strings.TrimPrefix(at+"."+k, "."), def, k)
		}
	}
	for _, r := range s.required {
		v, ok := obj[r]
		if !ok || v == nil || v == "" {
			return fmt.Errorf("%s: required by %s", strings.TrimPrefix(at+"."+r, "."), def)
		}
		if arr, isArr := v.([]any); isArr && len(arr) == 0 {
			return fmt.Errorf("%s: %s needs at least one", strings.TrimPrefix(at+"."+r, "."), def)
		}
	}
	return nil
}
