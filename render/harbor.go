package render

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/harbor-installer/harbor-installer/answers"
)

// zoneSpread spreads a workload's pods over availability zones. The Harbor
// chart adds the labelSelector itself; MinIO's charts need one (see
// minio.go). ScheduleAnyway keeps clusters without zone labels schedulable.
func zoneSpread(when string, selector map[string]any) []any {
	c := map[string]any{
		"maxSkew":           1,
		"topologyKey":       "topology.kubernetes.io/zone",
		"whenUnsatisfiable": when,
	}
	if selector != nil {
		c["labelSelector"] = map[string]any{"matchLabels": selector}
	}
	return []any{c}
}

// Chart default annotations of expose.ingress.annotations (harbor 1.19.1):
// they merge with ours, so an ALB ingress must null them.
var harborNginxDefaultAnnotations = []string{
	"ingress.kubernetes.io/ssl-redirect",
	"ingress.kubernetes.io/proxy-body-size",
	"nginx.ingress.kubernetes.io/ssl-redirect",
	"nginx.ingress.kubernetes.io/proxy-body-size",
}

func addHarbor(p *Plan, a *answers.Answers) error {
	h := a.Harbor
	ns := h.Namespace
	full := a.HarborFullname()
	v := map[string]any{}

	// Exposure.
	ing := map[string]any{
		"hosts":     map[string]any{"core": strings.ToLower(h.Domain)},
		"className": a.Ingress.ClassName,
	}
	ann := map[string]any{}
	switch a.Ingress.Controller {
	case "alb":
		ing["controller"] = "alb"
		for _, k := range harborNginxDefaultAnnotations {
			ann[k] = nil
		}
		ann["alb.ingress.kubernetes.io/scheme"] = a.Ingress.ALB.Scheme
		ann["alb.ingress.kubernetes.io/target-type"] = "ip"
		ann["alb.ingress.kubernetes.io/listen-ports"] = `[{"HTTP": 80}, {"HTTPS": 443}]`
		ann["alb.ingress.kubernetes.io/ssl-redirect"] = "443"
		if a.Ingress.ALB.CertificateARN != "" {
			ann["alb.ingress.kubernetes.io/certificate-arn"] = a.Ingress.ALB.CertificateARN
		}
	default:
		ing["controller"] = "default"
		// Unlimited body size so large layer pushes are not cut off.
		ann["nginx.ingress.kubernetes.io/proxy-body-size"] = "0"
		ann["ingress.kubernetes.io/proxy-body-size"] = "0"
		redirect := "true"
		if a.TLS.Mode == "none" {
			redirect = "false"
		}
		ann["nginx.ingress.kubernetes.io/ssl-redirect"] = redirect
		ann["ingress.kubernetes.io/ssl-redirect"] = redirect
	}
	for k, val := range a.Ingress.Annotations { // the user's annotations win
		ann[k] = val
	}
	ing["annotations"] = ann
	tls := map[string]any{}
	switch a.TLS.Mode {
	case "secret", "files":
		if a.TLS.SecretName == "" {
			return fmt.Errorf("tls.secretName: empty with tls.mode %s — name the kubernetes.io/tls Secret", a.TLS.Mode)
		}
		tls["enabled"] = true
		tls["certSource"] = "secret"
		tls["secret"] = map[string]any{"secretName": a.TLS.SecretName}
		if a.TLS.Mode == "files" {
			if a.TLS.CertFile == "" || a.TLS.KeyFile == "" {
				return fmt.Errorf("tls.certFile, tls.keyFile: both are needed with tls.mode files")
			}
			p.Secrets = append(p.Secrets, Secret{
				Name: a.TLS.SecretName, Namespace: ns, Type: "kubernetes.io/tls",
				Purpose: "harbor expose.tls.secret.secretName (Ingress certificate)",
				Keys: []SecretKey{
					{Key: "tls.crt", From: Source{Kind: FromFile, Answer: "tls.certFile", Path: a.TLS.CertFile}},
					{Key: "tls.key", From: Source{Kind: FromFile, Answer: "tls.keyFile", Path: a.TLS.KeyFile}},
				},
			})
		}
	case "auto":
		tls["enabled"] = true
		tls["certSource"] = "auto"
		tls["auto"] = map[string]any{"commonName": strings.ToLower(h.Domain)}
	case "none":
		tls["enabled"] = false
		tls["certSource"] = "none"
	default:
		return fmt.Errorf("tls.mode: unknown mode %q", a.TLS.Mode)
	}
	v["expose"] = map[string]any{"type": "ingress", "ingress": ing, "tls": tls}
	v["externalURL"] = a.ExternalURL()

	// Pinned internal secrets: generated once, reused on upgrade.
	internal := full + "-internal-secrets"
	p.Secrets = append(p.Secrets, Secret{
		Name: internal, Namespace: ns, Type: "Opaque",
		Purpose: "harbor existingSecretSecretKey, core.existingSecret, core.existingXsrfSecret, jobservice.existingSecret, registry.existingSecret, registry.credentials.existingSecret",
		Keys: []SecretKey{
			{Key: "secretKey", From: generated(16)},
			{Key: "secret", From: generated(16)},
			{Key: "CSRF_KEY", From: generated(32)},
			{Key: "JOBSERVICE_SECRET", From: generated(16)},
			{Key: "REGISTRY_HTTP_SECRET", From: generated(16)},
			{Key: "REGISTRY_PASSWD", From: generated(32)},
			{Key: "REGISTRY_HTPASSWD", From: Source{
				Kind:     FromTemplate,
				Template: `{{htpasswd .user .password}}`,
				Inputs: map[string]Source{
					"user":     {Kind: FromValue, Value: harborRegistryUser},
					"password": fromSecret(ns, internal, "REGISTRY_PASSWD"),
				},
			}},
		},
	})
	v["existingSecretSecretKey"] = internal
	admin := full + "-admin-password"
	p.Secrets = append(p.Secrets, Secret{
		Name: admin, Namespace: ns, Type: "Opaque",
		Purpose: "harbor existingSecretAdminPassword",
		Keys:    []SecretKey{{Key: "HARBOR_ADMIN_PASSWORD", From: answerSource("harbor.adminPassword", h.AdminPassword, true, 24)}},
	})
	v["existingSecretAdminPassword"] = admin
	v["existingSecretAdminPasswordKey"] = "HARBOR_ADMIN_PASSWORD"

	// Components.
	comps := map[string]map[string]any{}
	for _, c := range []string{"core", "portal", "registry", "jobservice", "trivy"} {
		n := h.Replicas.Of(c)
		m := map[string]any{"replicas": n}
		if n > 1 {
			m["podDisruptionBudget"] = map[string]any{"enabled": true}
			m["topologySpreadConstraints"] = zoneSpread("ScheduleAnyway", nil)
		}
		comps[c] = m
	}
	core := comps["core"]
	core["existingSecret"] = internal
	core["existingXsrfSecret"] = internal
	core["existingXsrfSecretKey"] = "CSRF_KEY"
	if a.Ingress.Controller == "alb" {
		core["serviceAnnotations"] = map[string]any{"alb.ingress.kubernetes.io/healthcheck-path": "/api/v2.0/ping"}
	}
	comps["jobservice"]["existingSecret"] = internal
	comps["jobservice"]["existingSecretKey"] = "JOBSERVICE_SECRET"
	reg := comps["registry"]
	reg["existingSecret"] = internal
	reg["existingSecretKey"] = "REGISTRY_HTTP_SECRET"
	reg["credentials"] = map[string]any{"username": harborRegistryUser, "existingSecret": internal}
	comps["trivy"]["enabled"] = h.Trivy
	for c, m := range comps {
		v[c] = m
	}

	// LDAP: CONFIG_OVERWRITE_JSON from a Secret, so the bind password never
	// reaches values; core.configureUserSettings stays empty.
	if a.LDAP.Enabled {
		if err := addHarborLDAP(p, a, core, full); err != nil {
			return err
		}
	}

	// Persistence.
	rwx := a.AccessMode() == "ReadWriteMany"
	pvc := func(size, mode string) map[string]any {
		return map[string]any{"storageClass": a.Storage.StorageClass, "accessMode": mode, "size": size}
	}
	claims := map[string]any{}
	blob := a.BlobStore()
	if blob == "filesystem" {
		mode := "ReadWriteOnce"
		if n := h.Replicas.Of("registry"); n > 1 {
			if !rwx {
				return fmt.Errorf("harbor.replicas: %d registry replicas share one filesystem volume, which needs a ReadWriteMany class but storage.storageClass gives %s — use 1 registry replica, minio.enabled or s3", n, a.AccessMode())
			}
			mode = "ReadWriteMany"
		}
		claims["registry"] = pvc(h.Volumes.Registry, mode)
	}
	job := comps["jobservice"]
	if rwx {
		mode := "ReadWriteOnce"
		if h.Replicas.Of("jobservice") > 1 {
			mode = "ReadWriteMany"
		}
		job["jobLoggers"] = []any{"file"}
		claims["jobservice"] = map[string]any{"jobLog": pvc(h.Volumes.JobLog, mode)}
	} else {
		// No shared volume for job logs: keep them in the database.
		job["jobLoggers"] = []any{"database"}
	}
	if h.Database.Type != "external" {
		claims["database"] = pvc(h.Volumes.Database, "ReadWriteOnce")
	}
	if h.Redis.Type != "external" {
		claims["redis"] = pvc(h.Volumes.Redis, "ReadWriteOnce")
	}
	if h.Trivy {
		claims["trivy"] = pvc(h.Volumes.Trivy, "ReadWriteOnce")
	}
	persistence := map[string]any{
		"enabled":               true,
		"resourcePolicy":        "keep",
		"persistentVolumeClaim": claims,
	}
	store, err := harborImageStorage(p, a, full)
	if err != nil {
		return err
	}
	persistence["imageChartStorage"] = store
	v["persistence"] = persistence

	if err := harborDatabase(p, a, v, full); err != nil {
		return err
	}
	if err := harborRedis(p, a, v, full); err != nil {
		return err
	}
	v["metrics"] = map[string]any{"enabled": h.Metrics}

	waits := []Wait{}
	for _, c := range []string{"core", "portal", "registry", "jobservice"} {
		waits = append(waits, workload("Deployment", full+"-"+c, ns))
	}
	if h.Metrics {
		waits = append(waits, workload("Deployment", full+"-exporter", ns))
	}
	if h.Trivy {
		waits = append(waits, workload("StatefulSet", full+"-trivy", ns))
	}
	if h.Database.Type != "external" {
		waits = append(waits, workload("StatefulSet", full+"-database", ns))
	}
	if h.Redis.Type != "external" {
		waits = append(waits, workload("StatefulSet", full+"-redis", ns))
	}
	p.addRelease(Release{Name: h.ReleaseName, Namespace: ns, Chart: a.Charts.Harbor, Values: v, Waits: waits})
	return nil
}

// harborRegistryUser is the registry's internal basic-auth user; its
// password is pinned in the internal Secret instead of the chart's
// well-known default.
const harborRegistryUser = "harbor_registry_user"

func workload(kind, name, ns string) Wait {
	api := "apps/v1"
	if kind == "Job" {
		api = "batch/v1"
	}
	return Wait{APIVersion: api, Kind: kind, Name: name, Namespace: ns}
}

func harborImageStorage(p *Plan, a *answers.Answers, full string) (map[string]any, error) {
	ns := a.Harbor.Namespace
	switch a.BlobStore() {
	case "filesystem":
		return map[string]any{"type": "filesystem"}, nil
	case "minio":
		creds := full + "-s3-credentials"
		p.Secrets = append(p.Secrets, Secret{
			Name: creds, Namespace: ns, Type: "Opaque",
			Purpose: "harbor persistence.imageChartStorage.s3.existingSecret (MinIO user " + a.MinIO.HarborUser + ")",
			Keys: []SecretKey{
				{Key: "REGISTRY_STORAGE_S3_ACCESSKEY", From: plain("minio.harborUser", a.MinIO.HarborUser)},
				{Key: "REGISTRY_STORAGE_S3_SECRETKEY", From: fromSecret(a.MinIO.Namespace, minioUserSecret(a, "harbor"), "secretKey")},
			},
		})
		return map[string]any{
			"type": "s3",
			// MinIO is reachable only inside the cluster: proxy downloads.
			"disableredirect": true,
			"s3": map[string]any{
				"region":         s3Region(a),
				"bucket":         a.MinIO.Bucket,
				"regionendpoint": a.MinIOEndpoint(),
				"existingSecret": creds,
			},
		}, nil
	case "s3":
		if a.S3.Bucket == "" {
			return nil, fmt.Errorf("s3.bucket: empty — name the bucket for Harbor's blobs")
		}
		if a.S3.Endpoint != "" && !strings.Contains(a.S3.Endpoint, "://") {
			return nil, fmt.Errorf("s3.endpoint: %q has no scheme — write https://host:port (without it the registry hangs)", a.S3.Endpoint)
		}
		creds := full + "-s3-credentials"
		p.Secrets = append(p.Secrets, Secret{
			Name: creds, Namespace: ns, Type: "Opaque",
			Purpose: "harbor persistence.imageChartStorage.s3.existingSecret",
			Keys: []SecretKey{
				{Key: "REGISTRY_STORAGE_S3_ACCESSKEY", From: answerSource("s3.accessKey", a.S3.AccessKey, false, 0)},
				{Key: "REGISTRY_STORAGE_S3_SECRETKEY", From: answerSource("s3.secretKey", a.S3.SecretKey, false, 0)},
			},
		})
		s3 := map[string]any{
			"region":         s3Region(a),
			"bucket":         a.S3.Bucket,
			"existingSecret": creds,
		}
		if a.S3.Endpoint != "" {
			s3["regionendpoint"] = a.S3.Endpoint
		}
		store := map[string]any{"type": "s3", "disableredirect": a.S3.DisableRedirect, "s3": s3}
		if a.S3.CAFile != "" {
			ca := full + "-s3-ca"
			p.Secrets = append(p.Secrets, Secret{
				Name: ca, Namespace: ns, Type: "Opaque",
				Purpose: "harbor persistence.imageChartStorage.caBundleSecretName",
				Keys:    []SecretKey{{Key: "ca.crt", From: Source{Kind: FromFile, Answer: "s3.caFile", Path: a.S3.CAFile}}},
			})
			store["caBundleSecretName"] = ca
		}
		return store, nil
	}
	return nil, fmt.Errorf("unknown blob store %q", a.BlobStore())
}

func s3Region(a *answers.Answers) string {
	if a.S3.Region != "" {
		return a.S3.Region
	}
	return "us-east-1"
}

func harborDatabase(p *Plan, a *answers.Answers, v map[string]any, full string) error {
	d := a.Harbor.Database
	if d.Type != "external" {
		v["database"] = map[string]any{"type": "internal"}
		return nil
	}
	if d.Host == "" {
		return fmt.Errorf("harbor.database.host: empty with harbor.database.type external")
	}
	name := full + "-database-password"
	p.Secrets = append(p.Secrets, Secret{
		Name: name, Namespace: a.Harbor.Namespace, Type: "Opaque",
		Purpose: "harbor database.external.existingSecret",
		Keys:    []SecretKey{{Key: "password", From: answerSource("harbor.database.password", d.Password, false, 0)}},
	})
	v["database"] = map[string]any{
		"type": "external",
		"external": map[string]any{
			"host":           d.Host,
			"port":           fmt.Sprint(d.Port),
			"username":       d.User,
			"coreDatabase":   d.Database,
			"sslmode":        d.SSLMode,
			"existingSecret": name,
		},
	}
	return nil
}

func harborRedis(p *Plan, a *answers.Answers, v map[string]any, full string) error {
	r := a.Harbor.Redis
	if r.Type != "external" {
		v["redis"] = map[string]any{"type": "internal"}
		return nil
	}
	if r.Addr == "" {
		return fmt.Errorf("harbor.redis.addr: empty with harbor.redis.type external")
	}
	ext := map[string]any{"addr": r.Addr}
	if r.SentinelMasterSet != "" {
		ext["sentinelMasterSet"] = r.SentinelMasterSet
	}
	if r.Password.Kind() != answers.SecretEmpty {
		// The chart reads this Secret with lookup: it must exist before
		// install, which the Plan's order guarantees.
		name := full + "-redis-password"
		p.Secrets = append(p.Secrets, Secret{
			Name: name, Namespace: a.Harbor.Namespace, Type: "Opaque",
			Purpose: "harbor redis.external.existingSecret",
			Keys:    []SecretKey{{Key: "REDIS_PASSWORD", From: answerSource("harbor.redis.password", r.Password, false, 0)}},
		})
		ext["existingSecret"] = name
	}
	v["redis"] = map[string]any{"type": "external", "external": ext}
	return nil
}

// ldapPasswordMarker stands for the bind password while the JSON is built.
const ldapPasswordMarker = "\x00bindPassword\x00"

func addHarborLDAP(p *Plan, a *answers.Answers, core map[string]any, full string) error {
	l := a.LDAP
	if err := requireAll("ldap.enabled", required{"ldap.url", l.URL}, required{"ldap.baseDN", l.BaseDN}); err != nil {
		return err
	}
	cfg := map[string]any{
		"auth_mode":                       "ldap_auth",
		"ldap_url":                        l.URL,
		"ldap_base_dn":                    l.BaseDN,
		"ldap_search_dn":                  l.BindDN,
		"ldap_search_password":            ldapPasswordMarker,
		"ldap_uid":                        l.UIDAttribute,
		"ldap_filter":                     l.Filter,
		"ldap_scope":                      l.Scope,
		"ldap_timeout":                    l.Timeout,
		"ldap_verify_cert":                l.VerifyCert,
		"ldap_group_base_dn":              l.GroupBaseDN,
		"ldap_group_search_filter":        l.GroupFilter,
		"ldap_group_attribute_name":       l.GroupAttr,
		"ldap_group_search_scope":         l.GroupScope,
		"ldap_group_admin_dn":             l.GroupAdminDN,
		"ldap_group_membership_attribute": l.MembershipAttr,
	}
	keys := make([]string, 0, len(cfg))
	for k := range cfg {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		var val string
		if cfg[k] == ldapPasswordMarker {
			val = `{{json .bindPassword}}`
		} else {
			b, err := json.Marshal(cfg[k])
			if err != nil {
				return fmt.Errorf("ldap: %w", err)
			}
			// Escape template delimiters that might occur in DNs or filters.
			val = strings.NewReplacer("{{", `{{"{{"}}`).Replace(string(b))
		}
		kb, _ := json.Marshal(k)
		parts = append(parts, string(kb)+":"+val)
	}
	tmpl := "{" + strings.Join(parts, ",") + "}"
	var pw Source
	if l.BindDN == "" && l.BindPassword.Kind() == answers.SecretEmpty {
		pw = Source{Kind: FromValue, Answer: "ldap.bindPassword"} // anonymous bind
	} else {
		pw = answerSource("ldap.bindPassword", l.BindPassword, false, 0)
	}
	name := full + "-ldap-config"
	p.Secrets = append(p.Secrets, Secret{
		Name: name, Namespace: a.Harbor.Namespace, Type: "Opaque",
		Purpose: "harbor core.extraEnvVars CONFIG_OVERWRITE_JSON (LDAP settings incl. bind password)",
		Keys: []SecretKey{{Key: "CONFIG_OVERWRITE_JSON", From: Source{
			Kind: FromTemplate, Template: tmpl,
			Inputs: map[string]Source{"bindPassword": pw},
		}}},
	})
	core["extraEnvVars"] = []any{map[string]any{
		"name": "CONFIG_OVERWRITE_JSON",
		"valueFrom": map[string]any{"secretKeyRef": map[string]any{
			"name": name, "key": "CONFIG_OVERWRITE_JSON",
		}},
	}}
	return nil
}
