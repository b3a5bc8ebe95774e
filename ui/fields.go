package ui

import (
	"strconv"
	"strings"

	"github.com/harbor-installer/harbor-installer/answers"
)

// fieldKind is how a field is edited.
type fieldKind int

const (
	kindText   fieldKind = iota // free text
	kindNumber                  // digits only
	kindEnum                    // one of fixed choices, ←/→
	kindBool                    // yes/no, ←/→ or space
	kindPick                    // free text with choices listed from the cluster
	kindSecret                  // a secret: how it is provided, and a masked value
)

// pickSource names the cluster list a kindPick field offers.
type pickSource string

const (
	pickContexts       pickSource = "contexts"
	pickStorageClasses pickSource = "storageclasses"
	pickTLSSecrets     pickSource = "tlssecrets"
	pickIngressClasses pickSource = "ingressclasses"
)

// fieldDef is one question: its answer key (findings are matched to it),
// how it is edited, and when it applies. get and set read and write the
// answer as text, so every kind shares one input path.
type fieldDef struct {
	key, label string
	kind       fieldKind
	choices    []string
	pick       pickSource
	// policy is the secret policy (generate, required, optional).
	policy string
	// placeholder is shown in an empty input: what empty means.
	placeholder string
	get         func(a *answers.Answers) string
	set         func(a *answers.Answers, v string)
	secret      func(a *answers.Answers) *answers.SecretRef
	when        func(a *answers.Answers) bool
}

func (f fieldDef) applies(a *answers.Answers) bool { return f.when == nil || f.when(a) }

func text(key, label string, p func(a *answers.Answers) *string) fieldDef {
	return fieldDef{key: key, label: label, kind: kindText,
		get: func(a *answers.Answers) string { return *p(a) },
		set: func(a *answers.Answers, v string) { *p(a) = strings.TrimSpace(v) }}
}

func pick(key, label string, src pickSource, p func(a *answers.Answers) *string) fieldDef {
	f := text(key, label, p)
	f.kind, f.pick = kindPick, src
	return f
}

func enum(key, label string, choices []string, p func(a *answers.Answers) *string) fieldDef {
	f := text(key, label, p)
	f.kind, f.choices = kindEnum, choices
	return f
}

func number(key, label string, p func(a *answers.Answers) *int) fieldDef {
	return fieldDef{key: key, label: label, kind: kindNumber,
		get: func(a *answers.Answers) string { return strconv.Itoa(*p(a)) },
		set: func(a *answers.Answers, v string) {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				n = 0 // the field check then names the key and the fix
			}
			*p(a) = n
		}}
}

func boolean(key, label string, p func(a *answers.Answers) *bool) fieldDef {
	return fieldDef{key: key, label: label, kind: kindBool, choices: []string{"no", "yes"},
		get: func(a *answers.Answers) string {
			if *p(a) {
				return "yes"
			}
			return "no"
		},
		set: func(a *answers.Answers, v string) { *p(a) = v == "yes" }}
}

func secret(key, label, policy string, p func(a *answers.Answers) *answers.SecretRef) fieldDef {
	return fieldDef{key: key, label: label, kind: kindSecret, policy: policy, secret: p,
		get: func(a *answers.Answers) string { return p(a).String() },
		set: func(a *answers.Answers, v string) { *p(a) = answers.NewSecretRef(v) }}
}

func (f fieldDef) empty(means string) fieldDef {
	f.placeholder = means
	return f
}

func (f fieldDef) only(when func(a *answers.Answers) bool) fieldDef {
	f.when = when
	return f
}

// stepFields lists each step's questions, in screen order, by step name.
// Only fields whose when holds are shown: no MinIO details when blobs go to
// S3 or a filesystem, no Trident LIFs when the class already exists.
func stepFields() map[string][]fieldDef {
	tlsFiles := func(a *answers.Answers) bool { return a.TLS.Mode == "files" }
	trident := func(a *answers.Answers) bool { return a.Storage.Provider == "trident" }
	tridentInstall := func(a *answers.Answers) bool { return trident(a) && a.Storage.Trident.Install }
	isMinIO := func(a *answers.Answers) bool { return a.BlobStore() == "minio" }
	isS3 := func(a *answers.Answers) bool { return a.BlobStore() == "s3" }
	ldapOn := func(a *answers.Answers) bool { return a.LDAP.Enabled }
	extDB := func(a *answers.Answers) bool { return a.Harbor.Database.Type == "external" }
	extRedis := func(a *answers.Answers) bool { return a.Harbor.Redis.Type == "external" }
	backupOn := func(a *answers.Answers) bool { return a.Backup.Enabled }
	return map[string][]fieldDef{
		"cluster": {
			pick("cluster.context", "Context", pickContexts, func(a *answers.Answers) *string { return &a.Cluster.Context }).empty("the kubeconfig's current context"),
			text("cluster.kubeconfig", "Kubeconfig", func(a *answers.Answers) *string { return &a.Cluster.Kubeconfig }).empty("$KUBECONFIG or ~/.kube/config"),
			text("cluster.domain", "Cluster DNS domain", func(a *answers.Answers) *string { return &a.Cluster.Domain }),
		},
		"domain": {
			text("harbor.domain", "Registry domain", func(a *answers.Answers) *string { return &a.Harbor.Domain }),
		},
		"tls": {
			enum("tls.mode", "Certificate", []string{"secret", "files", "auto", "none"}, func(a *answers.Answers) *string { return &a.TLS.Mode }),
			pick("tls.secretName", "TLS Secret", pickTLSSecrets, func(a *answers.Answers) *string { return &a.TLS.SecretName }).
				only(func(a *answers.Answers) bool { return a.TLS.Mode == "secret" || a.TLS.Mode == "files" }),
			text("tls.certFile", "Certificate file", func(a *answers.Answers) *string { return &a.TLS.CertFile }).only(tlsFiles),
			text("tls.keyFile", "Key file", func(a *answers.Answers) *string { return &a.TLS.KeyFile }).only(tlsFiles),
			text("tls.caFile", "CA bundle file", func(a *answers.Answers) *string { return &a.TLS.CAFile }).
				only(func(a *answers.Answers) bool { return a.TLS.Mode == "secret" || a.TLS.Mode == "files" }),
		},
		"ingress": {
			enum("ingress.controller", "Controller", []string{"nginx", "alb"}, func(a *answers.Answers) *string { return &a.Ingress.Controller }),
			pick("ingress.className", "IngressClass", pickIngressClasses, func(a *answers.Answers) *string { return &a.Ingress.ClassName }),
			enum("ingress.alb.scheme", "ALB scheme", []string{"internet-facing", "internal"}, func(a *answers.Answers) *string { return &a.Ingress.ALB.Scheme }).
				only(func(a *answers.Answers) bool { return a.Ingress.Controller == "alb" }),
			text("ingress.alb.certificateARN", "ACM certificate ARN", func(a *answers.Answers) *string { return &a.Ingress.ALB.CertificateARN }).
				only(func(a *answers.Answers) bool { return a.Ingress.Controller == "alb" }),
		},
		"storage": {
			enum("storage.provider", "Provider", []string{"existing", "trident", "ebs"}, func(a *answers.Answers) *string { return &a.Storage.Provider }),
			pick("storage.storageClass", "StorageClass", pickStorageClasses, func(a *answers.Answers) *string { return &a.Storage.StorageClass }).empty("the cluster's default class"),
			boolean("storage.trident.install", "Install Trident", func(a *answers.Answers) *bool { return &a.Storage.Trident.Install }).only(trident),
			text("storage.trident.managementLIF", "Management LIF", func(a *answers.Answers) *string { return &a.Storage.Trident.ManagementLIF }).only(tridentInstall),
			text("storage.trident.dataLIF", "Data LIF", func(a *answers.Answers) *string { return &a.Storage.Trident.DataLIF }).only(tridentInstall),
			text("storage.trident.svm", "SVM", func(a *answers.Answers) *string { return &a.Storage.Trident.SVM }).only(tridentInstall),
			text("storage.trident.username", "ONTAP user", func(a *answers.Answers) *string { return &a.Storage.Trident.Username }).only(tridentInstall),
			secret("storage.trident.password", "ONTAP password", "required", func(a *answers.Answers) *answers.SecretRef { return &a.Storage.Trident.Password }).only(tridentInstall),
			text("storage.trident.caFile", "ONTAP CA file", func(a *answers.Answers) *string { return &a.Storage.Trident.CAFile }).only(tridentInstall),
		},
		"minio": {
			{key: "minio.enabled", label: "Image blobs in", kind: kindEnum, choices: []string{"filesystem", "minio", "s3"},
				get: func(a *answers.Answers) string { return a.BlobStore() },
				set: setBlobStore},
			number("minio.zones", "Pools", func(a *answers.Answers) *int { return &a.MinIO.Zones }).only(isMinIO),
			number("minio.nodesPerZone", "Nodes per pool", func(a *answers.Answers) *int { return &a.MinIO.NodesPerZone }).only(isMinIO),
			number("minio.drivesPerNode", "Drives per node", func(a *answers.Answers) *int { return &a.MinIO.DrivesPerNode }).only(isMinIO),
			text("minio.volumeSize", "Drive size", func(a *answers.Answers) *string { return &a.MinIO.VolumeSize }).only(isMinIO),
			boolean("minio.spreadAcrossZones", "Spread over zones", func(a *answers.Answers) *bool { return &a.MinIO.SpreadAcrossZones }).only(isMinIO),
			pick("minio.storageClass", "StorageClass", pickStorageClasses, func(a *answers.Answers) *string { return &a.MinIO.StorageClass }).empty("storage.storageClass").only(isMinIO),
			secret("minio.rootPassword", "Root password", "generate", func(a *answers.Answers) *answers.SecretRef { return &a.MinIO.RootPassword }).only(isMinIO),
			text("s3.endpoint", "S3 endpoint", func(a *answers.Answers) *string { return &a.S3.Endpoint }).only(isS3),
			text("s3.region", "Region", func(a *answers.Answers) *string { return &a.S3.Region }).only(isS3),
			text("s3.bucket", "Bucket", func(a *answers.Answers) *string { return &a.S3.Bucket }).only(isS3),
			secret("s3.accessKey", "Access key", "required", func(a *answers.Answers) *answers.SecretRef { return &a.S3.AccessKey }).only(isS3),
			secret("s3.secretKey", "Secret key", "required", func(a *answers.Answers) *answers.SecretRef { return &a.S3.SecretKey }).only(isS3),
		},
		"ldap": {
			boolean("ldap.enabled", "LDAP login", func(a *answers.Answers) *bool { return &a.LDAP.Enabled }),
			text("ldap.url", "URL", func(a *answers.Answers) *string { return &a.LDAP.URL }).only(ldapOn),
			text("ldap.bindDN", "Bind DN", func(a *answers.Answers) *string { return &a.LDAP.BindDN }).only(ldapOn),
			secret("ldap.bindPassword", "Bind password", "required", func(a *answers.Answers) *answers.SecretRef { return &a.LDAP.BindPassword }).only(ldapOn),
			text("ldap.baseDN", "User base DN", func(a *answers.Answers) *string { return &a.LDAP.BaseDN }).only(ldapOn),
			text("ldap.filter", "User filter", func(a *answers.Answers) *string { return &a.LDAP.Filter }).only(ldapOn),
			text("ldap.groupBaseDN", "Group base DN", func(a *answers.Answers) *string { return &a.LDAP.GroupBaseDN }).only(ldapOn),
			text("ldap.groupAdminDN", "Admin group DN", func(a *answers.Answers) *string { return &a.LDAP.GroupAdminDN }).only(ldapOn),
			text("ldap.caFile", "CA file", func(a *answers.Answers) *string { return &a.LDAP.CAFile }).only(ldapOn),
			text("ldap.testUser", "Test login", func(a *answers.Answers) *string { return &a.LDAP.TestUser }).only(ldapOn),
		},
		"harbor": {
			{key: "harbor.replicas", label: "Replicas", kind: kindNumber,
				get: func(a *answers.Answers) string { return strconv.Itoa(a.Harbor.Replicas.Max()) },
				set: func(a *answers.Answers, v string) {
					n, _ := strconv.Atoi(strings.TrimSpace(v))
					a.Harbor.Replicas = answers.Uniform(n)
				}},
			secret("harbor.adminPassword", "Admin password", "generate", func(a *answers.Answers) *answers.SecretRef { return &a.Harbor.AdminPassword }),
			enum("harbor.database.type", "Database", []string{"internal", "external"}, func(a *answers.Answers) *string { return &a.Harbor.Database.Type }),
			text("harbor.database.host", "DB host", func(a *answers.Answers) *string { return &a.Harbor.Database.Host }).only(extDB),
			number("harbor.database.port", "DB port", func(a *answers.Answers) *int { return &a.Harbor.Database.Port }).only(extDB),
			text("harbor.database.user", "DB user", func(a *answers.Answers) *string { return &a.Harbor.Database.User }).only(extDB),
			secret("harbor.database.password", "DB password", "required", func(a *answers.Answers) *answers.SecretRef { return &a.Harbor.Database.Password }).only(extDB),
			enum("harbor.redis.type", "Redis", []string{"internal", "external"}, func(a *answers.Answers) *string { return &a.Harbor.Redis.Type }),
			text("harbor.redis.addr", "Redis address", func(a *answers.Answers) *string { return &a.Harbor.Redis.Addr }).only(extRedis),
			secret("harbor.redis.password", "Redis password", "optional", func(a *answers.Answers) *answers.SecretRef { return &a.Harbor.Redis.Password }).only(extRedis),
			{key: "harbor.projects", label: "Projects", kind: kindText,
				get: func(a *answers.Answers) string { return projectNames(a) },
				set: setProjectNames},
			boolean("harbor.trivy", "Trivy scanner", func(a *answers.Answers) *bool { return &a.Harbor.Trivy }),
		},
		"backup": {
			boolean("backup.enabled", "Velero backups", func(a *answers.Answers) *bool { return &a.Backup.Enabled }),
			text("backup.bucket", "Bucket", func(a *answers.Answers) *string { return &a.Backup.Bucket }).only(backupOn),
			text("backup.schedule", "Schedule (cron)", func(a *answers.Answers) *string { return &a.Backup.Schedule }).only(backupOn),
			text("backup.ttl", "Keep for", func(a *answers.Answers) *string { return &a.Backup.TTL }).only(backupOn),
		},
	}
}

// setBlobStore maps the one "where do blobs go" question onto minio.enabled
// and s3.*, the keys BlobStore reads.
func setBlobStore(a *answers.Answers, v string) {
	switch v {
	case "minio":
		a.MinIO.Enabled = true
	case "s3":
		a.MinIO.Enabled = false
		if a.S3.Bucket == "" {
			a.S3.Bucket = "harbor"
		}
		if a.S3.Region == "" {
			a.S3.Region = "us-east-1"
		}
	default:
		a.MinIO.Enabled = false
		a.S3.Endpoint, a.S3.Bucket = "", ""
	}
}

// projectNames shows harbor.projects as a comma-separated list; members,
// quotas and robots stay as loaded (edit the answers file for those).
func projectNames(a *answers.Answers) string {
	var names []string
	for _, p := range a.Harbor.Projects {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

func setProjectNames(a *answers.Answers, v string) {
	old := map[string]answers.Project{}
	for _, p := range a.Harbor.Projects {
		old[p.Name] = p
	}
	var out []answers.Project
	for _, n := range strings.Split(v, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		p, ok := old[n]
		if !ok {
			p = answers.Project{Name: n}
		}
		out = append(out, p)
	}
	a.Harbor.Projects = out
}
