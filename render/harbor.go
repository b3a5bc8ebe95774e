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
	// A pinned token key pair: without core.secretName the chart makes a
	// new one on every upgrade, and every login token becomes invalid.
	token := full + "-core-token"
	p.Secrets = append(p.Secrets, Secret{
		Name: token, Namespace: ns, Type: "kubernetes.io/tls",
		Purpose: "harbor core.secretName (token service key pair, kept across upgrades)",
		Keys: []SecretKey{
			{Key: "tls.crt", From: Source{Kind: FromKeyPair, Part: "cert", CommonName: "harbor-token-ca"}},
			{Key: "tls.key", From: Source{Kind: FromKeyPair, Part: "key", CommonName: "harbor-token-ca"}},
		},
	})
	core["secretName"] = token
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
		addHarborLDAP(p, a, core, full)
	}

	// Persistence.
	rwx := a.AccessMode() == "ReadWriteMany"
	pvc := func(size, mode string) map[string]any {
		return map[string]any{"storageClass": a.Storage.StorageClass, "accessMode": mode, "size": size}
	}
	claims := map[string]any{}
	blob := a.BlobStore()
	rwo := false // a registry or jobservice volume is ReadWriteOnce
	if blob == "filesystem" {
		// On a ReadWriteMany class the claim is ReadWriteMany, so a rolling
		// update can mount it twice. More than one registry replica on a
		// ReadWriteOnce class is a field-check failure (harbor.replicas);
		// render what is asked.
		mode := "ReadWriteOnce"
		if rwx || h.Replicas.Of("registry") > 1 {
			mode = "ReadWriteMany"
		}
		rwo = mode == "ReadWriteOnce"
		claims["registry"] = pvc(h.Volumes.Registry, mode)
	}
	job := comps["jobservice"]
	if rwx {
		job["jobLoggers"] = []any{"file"}
		claims["jobservice"] = map[string]any{"jobLog": pvc(h.Volumes.JobLog, "ReadWriteMany")}
	} else {
		// No shared volume for job logs: keep them in the database.
		job["jobLoggers"] = []any{"database"}
	}
	if rwo {
		// A rolling update would start the new pod while the old one holds
		// the volume, and hang on Multi-Attach when it lands on another
		// node; the chart's values advise Recreate for this case.
		v["updateStrategy"] = map[string]any{"type": "Recreate"}
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
	bundle := harborCABundle(p, a, full)
	if bundle != "" {
		v["caBundleSecretName"] = bundle
	}
	store, s3Creds := harborImageStorage(p, a, full, bundle)
	persistence["imageChartStorage"] = store
	v["persistence"] = persistence

	dbSecret := harborDatabase(p, a, v, full)
	harborRedis(p, a, v, full)
	v["metrics"] = map[string]any{"enabled": h.Metrics}
	if h.Metrics {
		v["exporter"] = map[string]any{}
	}

	// Pods that read installer Secrets roll when one changes.
	sec := func(names ...string) []string {
		var out []string
		for _, n := range names {
			if n != "" {
				out = append(out, ns+"/"+n)
			}
		}
		return out
	}
	tlsSecret := ""
	if a.TLS.Mode == "files" {
		tlsSecret = a.TLS.SecretName // core serves it as the CA download
	}
	ldapSecret := ""
	if a.LDAP.Enabled {
		ldapSecret = full + "-ldap-config"
	}
	rollouts := []SecretRollout{
		{Path: "core.podAnnotations", Secrets: sec(internal, admin, token, ldapSecret, dbSecret, bundle, tlsSecret)},
		{Path: "jobservice.podAnnotations", Secrets: sec(internal, bundle)},
		{Path: "registry.podAnnotations", Secrets: sec(internal, s3Creds, bundle)},
	}
	if h.Metrics {
		rollouts = append(rollouts, SecretRollout{Path: "exporter.podAnnotations", Secrets: sec(admin, dbSecret, bundle)})
	}
	if h.Trivy && bundle != "" {
		rollouts = append(rollouts, SecretRollout{Path: "trivy.podAnnotations", Secrets: sec(bundle)})
	}
	for _, r := range rollouts {
		comp := strings.TrimSuffix(r.Path, ".podAnnotations")
		m, _ := v[comp].(map[string]any)
		if _, ok := m["podAnnotations"]; !ok {
			m["podAnnotations"] = map[string]any{}
		}
	}

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
	p.addRelease(Release{Name: h.ReleaseName, Namespace: ns, Chart: a.Charts.Harbor, Values: v, Waits: waits, SecretRollouts: rollouts})
	return nil
}

// harborCABundle creates the Secret for the chart's caBundleSecretName
// from every CA file the checks verified with, so that Harbor trusts what
// validate trusted: each Harbor component mounts its key ca.crt as
// /harbor_cust_cert/custom-ca.crt, which the images add to the system
// trust store at start (LDAP, an S3 endpoint, PostgreSQL with sslmode
// verify-ca/verify-full, the old registry of a migration). It returns the
// Secret's name, or "" when there is no private CA.
func harborCABundle(p *Plan, a *answers.Answers, full string) string {
	type caFile struct{ answer, path string }
	var files []caFile
	add := func(answer, path string) {
		if path == "" {
			return
		}
		for _, f := range files {
			if f.path == path {
				return
			}
		}
		files = append(files, caFile{answer, path})
	}
	if a.LDAP.Enabled {
		add("ldap.caFile", a.LDAP.CAFile)
	}
	if a.BlobStore() == "s3" {
		add("s3.caFile", a.S3.CAFile)
	}
	if a.Harbor.Database.Type == "external" {
		add("harbor.database.caFile", a.Harbor.Database.CAFile)
	}
	if a.Migration.Enabled {
		add("migration.source.caFile", a.Migration.Source.CAFile)
	}
	if len(files) == 0 {
		return ""
	}
	var answersUsed []string
	src := Source{Kind: FromTemplate, Inputs: map[string]Source{}}
	for i, f := range files {
		in := fmt.Sprintf("ca%d", i)
		src.Inputs[in] = Source{Kind: FromFile, Answer: f.answer, Path: f.path}
		// A newline between files, in case one lacks its last.
		src.Template += "{{." + in + "}}\n"
		answersUsed = append(answersUsed, f.answer)
	}
	if len(files) == 1 {
		src = src.Inputs["ca0"]
	}
	name := full + "-ca-bundle"
	p.Secrets = append(p.Secrets, Secret{
		Name: name, Namespace: a.Harbor.Namespace, Type: "Opaque",
		Purpose: "harbor caBundleSecretName (CA certificates of " + strings.Join(answersUsed, ", ") + ")",
		Keys:    []SecretKey{{Key: "ca.crt", From: src}},
	})
	return name
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

// harborImageStorage returns persistence.imageChartStorage and the name of
// the S3 credentials Secret it reads, if any.
func harborImageStorage(p *Plan, a *answers.Answers, full, bundle string) (map[string]any, string) {
	ns := a.Harbor.Namespace
	switch a.BlobStore() {
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
		}, creds
	case "s3":
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
			// The bundle holds s3.caFile (harborCABundle); the registry's
			// storage driver reads this one.
			store["caBundleSecretName"] = bundle
		}
		return store, creds
	}
	return map[string]any{"type": "filesystem"}, ""
}

func s3Region(a *answers.Answers) string {
	if a.S3.Region != "" {
		return a.S3.Region
	}
	return "us-east-1"
}

// harborDatabase sets the database values and returns the installer
// Secret core reads the password from ("" for the internal database, whose
// password core gets from the chart's own Secret).
func harborDatabase(p *Plan, a *answers.Answers, v map[string]any, full string) string {
	d := a.Harbor.Database
	ns := a.Harbor.Namespace
	if d.Type != "external" {
		// The chart's default password is "changeit". With the value empty
		// it looks the Secret <fullname>-database up and keeps its
		// POSTGRES_PASSWORD: the installer creates that Secret first with a
		// generated password, and Helm adopts it.
		name := full + "-database"
		p.Secrets = append(p.Secrets, Secret{
			Name: name, Namespace: ns, Type: "Opaque",
			Purpose:   "harbor internal database password (the chart's Secret " + name + ", read back by its lookup)",
			Keys:      []SecretKey{{Key: "POSTGRES_PASSWORD", From: generated(32)}},
			AdoptedBy: a.Harbor.ReleaseName,
		})
		p.ChartCopies = append(p.ChartCopies, ChartCopy{
			Release: a.Harbor.ReleaseName, Secret: ns + "/" + name, Key: "POSTGRES_PASSWORD",
			Into: []string{"Secret " + name + " (rendered by the chart from its lookup)", "Secret " + full + "-core (POSTGRESQL_PASSWORD)", "the Helm release record"},
			Why:  "the chart has no value that points the internal database or core at another Secret; it renders the password it looked up",
		})
		internal := map[string]any{"password": ""}
		db := map[string]any{"type": "internal", "internal": internal}
		if a.Backup.Enabled {
			db["podAnnotations"] = databaseBackupHook()
		}
		v["database"] = db
		return ""
	}
	name := full + "-database-password"
	p.Secrets = append(p.Secrets, Secret{
		Name: name, Namespace: ns, Type: "Opaque",
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
	return name
}

// databaseBackupDump is where the pre-backup hook writes its dump: on the
// database volume, beside (not inside) PGDATA, so Velero's file-system
// backup of the volume carries it.
const databaseBackupDump = "/var/lib/postgresql/data/harbor-backup.sql"

// databaseBackupHook annotates the internal database pod for Velero: before
// the pod's volume is copied, pg_dumpall writes a consistent dump to the
// volume. The copied PGDATA files are taken while PostgreSQL runs and may
// not start cleanly; a restore always gives the dump, which loads into a
// fresh database with psql -f (see the README's backup section).
func databaseBackupHook() map[string]any {
	cmd := `["/bin/sh","-c","PGPASSWORD=\"$POSTGRES_PASSWORD\" pg_dumpall -h 127.0.0.1 -U postgres > ` + databaseBackupDump + `.tmp && mv ` + databaseBackupDump + `.tmp ` + databaseBackupDump + `"]`
	return map[string]any{
		"pre.hook.backup.velero.io/container": "database",
		"pre.hook.backup.velero.io/command":   cmd,
		"pre.hook.backup.velero.io/on-error":  "Fail",
		"pre.hook.backup.velero.io/timeout":   "10m",
	}
}

// harborRedis sets the Redis values. With external Redis and a password,
// the chart looks the password up and writes it into ConfigMaps (and so
// into the release record): listed in Plan.ChartCopies.
func harborRedis(p *Plan, a *answers.Answers, v map[string]any, full string) {
	r := a.Harbor.Redis
	if r.Type != "external" {
		v["redis"] = map[string]any{"type": "internal"}
		return
	}
	ext := map[string]any{"addr": r.Addr}
	if r.SentinelMasterSet != "" {
		ext["sentinelMasterSet"] = r.SentinelMasterSet
	}
	if r.Password.Kind() != answers.SecretEmpty {
		// The chart reads this Secret with lookup: it must exist before
		// install, which the Plan's order guarantees.
		name := full + "-redis-password"
		ns := a.Harbor.Namespace
		p.Secrets = append(p.Secrets, Secret{
			Name: name, Namespace: ns, Type: "Opaque",
			Purpose: "harbor redis.external.existingSecret",
			Keys:    []SecretKey{{Key: "REDIS_PASSWORD", From: answerSource("harbor.redis.password", r.Password, false, 0)}},
		})
		ext["existingSecret"] = name
		into := []string{"ConfigMap " + full + "-core", "ConfigMap " + full + "-jobservice", "ConfigMap " + full + "-jobservice-env", "ConfigMap " + full + "-registry"}
		if a.Harbor.Metrics {
			into = append(into, "ConfigMap "+full+"-exporter-env")
		}
		if a.Harbor.Trivy {
			into = append(into, "Secret "+full+"-trivy")
		}
		into = append(into, "the Helm release record")
		p.ChartCopies = append(p.ChartCopies, ChartCopy{
			Release: a.Harbor.ReleaseName, Secret: ns + "/" + name, Key: "REDIS_PASSWORD",
			Into: into,
			Why:  "the chart builds Redis URLs with the password in them from its lookup of redis.external.existingSecret; no value keeps it out",
		})
	}
	v["redis"] = map[string]any{"type": "external", "external": ext}
}

// ldapPasswordMarker stands for the bind password while the JSON is built.
const ldapPasswordMarker = "\x00bindPassword\x00"

func addHarborLDAP(p *Plan, a *answers.Answers, core map[string]any, full string) {
	l := a.LDAP
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
			b, _ := json.Marshal(cfg[k]) // strings and ints only
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
}
