// Package answers holds the versioned answers a harbor-installer run is made
// from: the Answers struct, strict loading with file:line errors, secret
// references, presets merged underneath, --set overrides on top, and saving
// without secrets. The wizard and the non-interactive replay both start here.
//
// Every field carries its documentation in struct tags (doc, enum, secret) so
// that `answers explain`, docs/answers.md and the wizard's help all come from
// one place.
package answers

// CurrentVersion is the answers schema version this build reads and writes.
const CurrentVersion = 1

// Answers is everything the installer needs to know. Zero values are filled
// from defaults.yaml, then the preset, then the answers file, then --set.
type Answers struct {
	Version   int       `yaml:"version" doc:"Schema version of this file; must be 1."`
	Preset    string    `yaml:"preset,omitempty" doc:"Preset the answers start from (see 'harbor-installer presets'). Its values lie under everything in this file."`
	Cluster   Cluster   `yaml:"cluster" doc:"Which Kubernetes cluster to install into."`
	Harbor    Harbor    `yaml:"harbor" doc:"Harbor itself."`
	TLS       TLS       `yaml:"tls" doc:"How HTTPS is served for the registry's domain."`
	Ingress   Ingress   `yaml:"ingress" doc:"The Ingress that exposes Harbor."`
	Storage   Storage   `yaml:"storage" doc:"Block and file storage for Harbor's volumes (and MinIO's)."`
	MinIO     MinIO     `yaml:"minio" doc:"Distributed MinIO in the cluster for Harbor's image blobs."`
	S3        S3        `yaml:"s3" doc:"An external S3 store for image blobs, used instead of MinIO when minio.enabled is false and s3.endpoint is set."`
	LDAP      LDAP      `yaml:"ldap" doc:"LDAP login for Harbor."`
	Backup    Backup    `yaml:"backup" doc:"Velero backups of Harbor's namespace to the object store."`
	Charts    Charts    `yaml:"charts" doc:"Where each Helm chart comes from and which version; defaults are pinned and tested."`
	Migration Migration `yaml:"migration" doc:"Pull replication of images from the old registry into Harbor, on a schedule, so teams move without downtime."`
}

// Cluster selects the cluster. Empty fields follow client-go's loading rules
// (KUBECONFIG, ~/.kube/config, the current context).
type Cluster struct {
	Kubeconfig string `yaml:"kubeconfig" doc:"Path of the kubeconfig file; empty follows KUBECONFIG, then ~/.kube/config."`
	Context    string `yaml:"context" doc:"Context in the kubeconfig; empty uses its current context."`
	Domain     string `yaml:"domain" doc:"The cluster's DNS suffix for Services (kubelet's --cluster-domain), used in in-cluster URLs such as MinIO's endpoint."`
}

// Harbor holds the settings of the Harbor release.
type Harbor struct {
	Namespace     string    `yaml:"namespace" doc:"Namespace for Harbor."`
	ReleaseName   string    `yaml:"releaseName" doc:"Helm release name for Harbor."`
	Domain        string    `yaml:"domain" doc:"DNS name users push to and log in at, e.g. registry.example.org. externalURL is derived from it."`
	AdminPassword SecretRef `yaml:"adminPassword" secret:"generate" doc:"Password of Harbor's admin user."`
	Replicas      Replicas  `yaml:"replicas" doc:"Replicas per component: one number for all, or a map with any of core, portal, registry, jobservice, trivy (others take 'default', else 1)."`
	Trivy         bool      `yaml:"trivy" doc:"Deploy the Trivy vulnerability scanner."`
	Metrics       bool      `yaml:"metrics" doc:"Deploy Harbor's Prometheus exporter and metrics endpoints."`
	Volumes       Volumes   `yaml:"volumes" doc:"Sizes of Harbor's persistent volumes."`
	Database      Database  `yaml:"database" doc:"Harbor's PostgreSQL database."`
	Redis         Redis     `yaml:"redis" doc:"Harbor's Redis."`
	Projects      []Project `yaml:"projects" doc:"Projects to create after install, with LDAP group members."`
}

// Volumes are the sizes of Harbor's PVCs, as Kubernetes quantities.
type Volumes struct {
	Registry string `yaml:"registry" doc:"Registry blob volume, used only when blobs are not in MinIO or S3."`
	Database string `yaml:"database" doc:"Internal PostgreSQL volume."`
	Redis    string `yaml:"redis" doc:"Internal Redis volume."`
	Trivy    string `yaml:"trivy" doc:"Trivy cache volume."`
	JobLog   string `yaml:"jobLog" doc:"Jobservice log volume, used only when job logs are written to files."`
}

// Database is internal (a single-replica StatefulSet) or external PostgreSQL.
type Database struct {
	Type     string    `yaml:"type" enum:"internal,external" doc:"internal runs one PostgreSQL pod (not HA); external uses your PostgreSQL."`
	Host     string    `yaml:"host" doc:"External PostgreSQL host."`
	Port     int       `yaml:"port" doc:"External PostgreSQL port."`
	User     string    `yaml:"user" doc:"External PostgreSQL user."`
	Password SecretRef `yaml:"password" secret:"required" doc:"External PostgreSQL password."`
	Database string    `yaml:"database" doc:"External PostgreSQL database for Harbor core."`
	SSLMode  string    `yaml:"sslmode" enum:"disable,require,verify-ca,verify-full" doc:"PostgreSQL sslmode."`
	CAFile   string    `yaml:"caFile" doc:"PEM CA bundle of the PostgreSQL server's certificate, for sslmode verify-ca or verify-full with a private CA; the checks verify with it and Harbor trusts it through caBundleSecretName."`
}

// Redis is internal (a single-replica StatefulSet) or external Redis.
type Redis struct {
	Type              string    `yaml:"type" enum:"internal,external" doc:"internal runs one Redis pod (not HA); external uses your Redis or Sentinel."`
	Addr              string    `yaml:"addr" doc:"External Redis host:port, or comma-separated Sentinel host:port list."`
	SentinelMasterSet string    `yaml:"sentinelMasterSet" doc:"Sentinel master set name; set it when addr lists Sentinels."`
	Password          SecretRef `yaml:"password" secret:"optional" doc:"External Redis password; empty for none."`
}

// Project is a Harbor project created after install.
type Project struct {
	Name    string   `yaml:"name" doc:"Project name (lowercase letters, digits, . _ -)."`
	Public  bool     `yaml:"public" doc:"Anyone may pull without logging in."`
	Quota   string   `yaml:"quota" doc:"Storage quota as a Kubernetes quantity, e.g. 500Gi; empty for unlimited."`
	Robot   bool     `yaml:"robot" doc:"Create a robot account for CI that may push and pull in this project; its secret is written once to a 0600 file."`
	Members []Member `yaml:"members" doc:"LDAP groups given a role in the project."`
}

// Member gives an LDAP group a role in a project.
type Member struct {
	Group string `yaml:"group" doc:"DN of the LDAP group."`
	Role  string `yaml:"role" enum:"projectAdmin,maintainer,developer,guest,limitedGuest" doc:"Role of the group's members in the project."`
}

// TLS says how HTTPS is served.
type TLS struct {
	Mode       string `yaml:"mode" enum:"secret,files,auto,none" doc:"secret: an existing kubernetes.io/tls Secret; files: certificate and key files the installer turns into that Secret; auto: the chart generates a self-signed certificate (it changes on every upgrade); none: no TLS at the ingress (use with an ALB certificate, which still gives https)."`
	SecretName string `yaml:"secretName" doc:"Name of the kubernetes.io/tls Secret in harbor.namespace (modes secret and files)."`
	CertFile   string `yaml:"certFile" doc:"PEM certificate chain file (mode files)."`
	KeyFile    string `yaml:"keyFile" doc:"PEM private key file (mode files)."`
	CAFile     string `yaml:"caFile" doc:"PEM CA bundle to verify the certificate chain against; empty uses the system roots."`
}

// Ingress describes how Harbor is exposed.
type Ingress struct {
	ClassName   string            `yaml:"className" doc:"IngressClass name."`
	Controller  string            `yaml:"controller" enum:"nginx,alb" doc:"The ingress controller behind the class."`
	ALB         ALB               `yaml:"alb" doc:"AWS Load Balancer Controller settings (controller alb)."`
	Annotations map[string]string `yaml:"annotations" doc:"Extra annotations for Harbor's Ingress; they win over the installer's."`
}

// ALB holds AWS Load Balancer Controller settings.
type ALB struct {
	Scheme         string `yaml:"scheme" enum:"internet-facing,internal" doc:"Load balancer scheme."`
	CertificateARN string `yaml:"certificateARN" doc:"ACM certificate ARN; TLS then ends at the load balancer and externalURL stays https."`
}

// Storage describes the storage class used for every PVC.
type Storage struct {
	Provider     string  `yaml:"provider" enum:"trident,ebs,existing" doc:"trident: NetApp Trident ontap-nas (ReadWriteMany); ebs: AWS EBS CSI (ReadWriteOnce); existing: a class you already have."`
	StorageClass string  `yaml:"storageClass" doc:"StorageClass for all volumes; with trident.install it is created."`
	AccessMode   string  `yaml:"accessMode" enum:",ReadWriteMany,ReadWriteOnce" doc:"What the class can give; empty derives it from the provider (trident ReadWriteMany, ebs and existing ReadWriteOnce)."`
	Trident      Trident `yaml:"trident" doc:"Trident and its ONTAP backend (provider trident)."`
}

// Trident holds the Trident operator and ONTAP backend settings.
type Trident struct {
	Install       bool      `yaml:"install" doc:"Install the Trident operator, an ontap-nas backend and the StorageClass."`
	Namespace     string    `yaml:"namespace" doc:"Namespace for Trident."`
	ManagementLIF string    `yaml:"managementLIF" doc:"ONTAP management LIF (IP or DNS name)."`
	DataLIF       string    `yaml:"dataLIF" doc:"ONTAP NFS data LIF; empty lets Trident use one of the SVM's data LIFs."`
	SVM           string    `yaml:"svm" doc:"ONTAP storage VM."`
	BackendName   string    `yaml:"backendName" doc:"Name of the TridentBackendConfig."`
	Username      string    `yaml:"username" doc:"ONTAP user for Trident."`
	Password      SecretRef `yaml:"password" secret:"required" doc:"ONTAP password for Trident."`
	CAFile        string    `yaml:"caFile" doc:"PEM CA bundle of the ONTAP management LIF's certificate; the checks verify with it and Trident's backend trusts it (trustedCACertificate)."`
}

// MinIO holds the in-cluster distributed MinIO settings.
type MinIO struct {
	Enabled           bool      `yaml:"enabled" doc:"Run distributed MinIO in the cluster and keep Harbor's blobs there."`
	Chart             string    `yaml:"chart" enum:"official,bitnami" doc:"official: MinIO's own chart (frozen at 5.4.0); bitnami: Bitnami's chart (its free images moved to bitnamilegacy)."`
	Namespace         string    `yaml:"namespace" doc:"Namespace for MinIO."`
	ReleaseName       string    `yaml:"releaseName" doc:"Helm release name for MinIO."`
	Zones             int       `yaml:"zones" doc:"Number of MinIO server pools (the charts call them zones or pools; not availability zones). Capacity grows by adding pools."`
	NodesPerZone      int       `yaml:"nodesPerZone" doc:"MinIO pods per server pool. A pool needs 4 or more drives (nodesPerZone x drivesPerNode) to keep writing with one pod down."`
	DrivesPerNode     int       `yaml:"drivesPerNode" doc:"Volumes per MinIO pod."`
	VolumeSize        string    `yaml:"volumeSize" doc:"Size of each MinIO volume."`
	StorageClass      string    `yaml:"storageClass" doc:"StorageClass for MinIO's volumes; empty uses storage.storageClass."`
	MemoryRequest     string    `yaml:"memoryRequest" doc:"Memory request per MinIO pod (the official chart asks 16Gi by default)."`
	Bucket            string    `yaml:"bucket" doc:"Bucket for Harbor's blobs."`
	RootUser          string    `yaml:"rootUser" doc:"MinIO root user name."`
	RootPassword      SecretRef `yaml:"rootPassword" secret:"generate" doc:"MinIO root password."`
	HarborUser        string    `yaml:"harborUser" doc:"MinIO user Harbor uses, limited to its bucket by a policy."`
	HarborSecretKey   SecretRef `yaml:"harborSecretKey" secret:"generate" doc:"Secret key of the Harbor MinIO user."`
	SpreadAcrossZones bool      `yaml:"spreadAcrossZones" doc:"Spread all MinIO pods evenly over availability zones (topology.kubernetes.io/zone, maxSkew 1; enforced on EBS, preferred elsewhere). Kubernetes cannot spread each server pool on its own, so an AZ outage can take up to ceil(pods/AZs) pods of one pool; validate says how many AZs keep every pool readable and writable."`
	Image             Image     `yaml:"image" doc:"MinIO server image (upstream images moved: quay.io still serves minio/minio)."`
	ClientImage       Image     `yaml:"clientImage" doc:"MinIO client (mc) image used by the chart's setup job."`
}

// Image is a container image reference split the way charts want it.
type Image struct {
	Registry   string `yaml:"registry" doc:"Image registry host."`
	Repository string `yaml:"repository" doc:"Image repository."`
	Tag        string `yaml:"tag" doc:"Image tag."`
}

// S3 is an external S3-compatible object store.
type S3 struct {
	Endpoint        string    `yaml:"endpoint" doc:"S3 endpoint with scheme and port, e.g. https://s3.example.org:9000; empty with AWS S3 uses the region's endpoint."`
	Region          string    `yaml:"region" doc:"S3 region."`
	Bucket          string    `yaml:"bucket" doc:"Bucket for Harbor's blobs."`
	AccessKey       SecretRef `yaml:"accessKey" secret:"required" doc:"S3 access key."`
	SecretKey       SecretRef `yaml:"secretKey" secret:"required" doc:"S3 secret key."`
	CAFile          string    `yaml:"caFile" doc:"PEM CA bundle for an endpoint with a private CA; Harbor's registry (caBundleSecretName) and Velero (the backup location's caCert) trust it."`
	DisableRedirect bool      `yaml:"disableRedirect" doc:"Proxy blob downloads through Harbor instead of redirecting clients to presigned S3 URLs (needed when clients cannot reach the endpoint)."`
}

// LDAP configures LDAP login.
type LDAP struct {
	Enabled        bool      `yaml:"enabled" doc:"Use LDAP login (auth_mode ldap_auth). Settings become read-only in Harbor's UI."`
	URL            string    `yaml:"url" doc:"ldaps://host:636; ldap://host:389 only with ldap.allowPlaintext, because Harbor then binds in cleartext."`
	StartTLS       bool      `yaml:"startTLS" doc:"Make the checks upgrade an ldap:// connection with StartTLS. Harbor itself never uses StartTLS (goharbor/harbor#19989), so this proves nothing for Harbor; use ldaps:// for an encrypted bind."`
	AllowPlaintext bool      `yaml:"allowPlaintext" doc:"Accept an ldap:// URL although Harbor then sends the bind password in cleartext (Harbor never uses StartTLS); prefer ldaps://."`
	BindDN         string    `yaml:"bindDN" doc:"DN Harbor binds as to search users."`
	BindPassword   SecretRef `yaml:"bindPassword" secret:"required" doc:"Password of bindDN."`
	BaseDN         string    `yaml:"baseDN" doc:"Where users are searched."`
	UIDAttribute   string    `yaml:"uidAttribute" doc:"Attribute matched against the login name."`
	Filter         string    `yaml:"filter" doc:"Extra LDAP filter for users, e.g. (objectClass=person)."`
	Scope          int       `yaml:"scope" doc:"Search scope: 0 base, 1 one level, 2 subtree."`
	Timeout        int       `yaml:"timeout" doc:"Harbor's LDAP timeout in seconds."`
	GroupBaseDN    string    `yaml:"groupBaseDN" doc:"Where groups are searched."`
	GroupFilter    string    `yaml:"groupFilter" doc:"LDAP filter for groups."`
	GroupAttr      string    `yaml:"groupNameAttribute" doc:"Attribute holding a group's name."`
	GroupScope     int       `yaml:"groupScope" doc:"Group search scope: 0 base, 1 one level, 2 subtree."`
	GroupAdminDN   string    `yaml:"groupAdminDN" doc:"DN of the group whose members are Harbor admins."`
	MembershipAttr string    `yaml:"groupMembershipAttribute" doc:"User attribute listing the user's groups."`
	VerifyCert     bool      `yaml:"verifyCert" doc:"Verify the LDAP server's certificate."`
	CAFile         string    `yaml:"caFile" doc:"PEM CA bundle for the LDAP server's certificate; the checks verify with it and Harbor trusts it through caBundleSecretName."`
	TestUser       string    `yaml:"testUser" doc:"A login name the checks look up to prove the filter finds exactly one user."`
}

// Backup configures Velero backups.
type Backup struct {
	Enabled     bool   `yaml:"enabled" doc:"Install Velero and schedule backups of Harbor's namespace."`
	Namespace   string `yaml:"namespace" doc:"Namespace for Velero."`
	Bucket      string `yaml:"bucket" doc:"Bucket for backups, in MinIO or the external S3 store."`
	Schedule    string `yaml:"schedule" doc:"Cron schedule of backups (5 fields), e.g. '0 2 * * *'."`
	TTL         string `yaml:"ttl" doc:"How long backups are kept, as a Go duration, e.g. 720h."`
	PluginImage string `yaml:"pluginImage" doc:"Velero AWS plugin image (not v1.14.2, which corrupts backups on S3-compatible stores)."`
}

// Charts pins every chart.
type Charts struct {
	Harbor  Chart `yaml:"harbor" doc:"Harbor chart."`
	MinIO   Chart `yaml:"minio" doc:"MinIO chart; empty source and version follow minio.chart."`
	Trident Chart `yaml:"trident" doc:"Trident operator chart."`
	Velero  Chart `yaml:"velero" doc:"Velero chart."`
}

// Chart says where a chart comes from.
type Chart struct {
	Source  string `yaml:"source" doc:"https repository URL, oci:// reference, or a local chart directory or .tgz (air-gapped hosts)."`
	Name    string `yaml:"name" doc:"Chart name in a repository (ignored for oci:// and local sources)."`
	Version string `yaml:"version" doc:"Chart version."`
}

// Migration is pull replication from the old registry into Harbor.
type Migration struct {
	Enabled  bool            `yaml:"enabled" doc:"Create a registry endpoint for the old registry and a scheduled pull replication policy."`
	Source   MigrationSource `yaml:"source" doc:"The old registry."`
	Schedule string          `yaml:"schedule" doc:"Cron schedule in Harbor's six-field form (seconds first), e.g. '0 0 */12 * * *'; five-field input is converted."`
	Rules    []MigrationRule `yaml:"rules" doc:"Which source repositories go to which Harbor project."`
	StartNow bool            `yaml:"startNow" doc:"Start one replication run right after setup and report it to completion."`
}

// MigrationSource is the registry images move from.
type MigrationSource struct {
	Name     string    `yaml:"name" doc:"Name of the registry endpoint in Harbor."`
	URL      string    `yaml:"url" doc:"Base URL of the old registry, e.g. https://old-registry.example.org."`
	Type     string    `yaml:"type" enum:"docker-registry,harbor" doc:"Kind of registry: a Docker Distribution registry or another Harbor."`
	Username string    `yaml:"username" doc:"User for the old registry; empty for anonymous pulls."`
	Password SecretRef `yaml:"password" secret:"optional" doc:"Password of the old registry's user."`
	CAFile   string    `yaml:"caFile" doc:"PEM CA bundle of the old registry's certificate (checks; Harbor trusts it through caBundleSecretName)."`
	Insecure bool      `yaml:"insecure" doc:"Skip certificate verification for the old registry (not recommended)."`
}

// MigrationRule maps source repositories to a Harbor project.
type MigrationRule struct {
	Project string `yaml:"project" doc:"Harbor project the images land in (created if it is not in harbor.projects)."`
	Filter  string `yaml:"filter" doc:"Source repository name filter, Harbor's doublestar syntax, e.g. team-a/**."`
	Tag     string `yaml:"tag" doc:"Tag filter, e.g. v* or ** for all."`
}
