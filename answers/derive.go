package answers

import "strings"

// Values derived from answers live here, in one place, so that checks,
// rendering and the installer agree on them.

// Scheme is the scheme of externalURL: https when TLS ends at the ingress,
// or at an ALB (with ingress.alb.certificateARN, or a certificate the ALB
// controller discovers in ACM by host), else http.
func (a *Answers) Scheme() string {
	if a.TLS.Mode != "none" || a.Ingress.Controller == "alb" {
		return "https"
	}
	return "http"
}

// Host is harbor.domain as every part of the installer uses it: in lower
// case. DNS names are case-insensitive, but an Ingress host must be lower
// case, so an upper-case answer is lower-cased (by the checks and by render
// alike), never refused.
func (a *Answers) Host() string { return strings.ToLower(a.Harbor.Domain) }

// ExternalURL is Harbor's externalURL; it must match the ingress host and
// the certificate, or docker login fails fetching its token.
func (a *Answers) ExternalURL() string {
	return a.Scheme() + "://" + a.Host()
}

// JobLogsInDatabase reports that jobservice keeps job logs in the database
// (jobLoggers: database) rather than on a file volume: whenever the class
// gives only ReadWriteOnce, so any number of jobservice replicas need no
// shared volume. render's jobLoggers and the storage check follow it.
func (a *Answers) JobLogsInDatabase() bool { return a.AccessMode() != "ReadWriteMany" }

// AccessMode is what storage.storageClass can give.
func (a *Answers) AccessMode() string {
	if a.Storage.AccessMode != "" {
		return a.Storage.AccessMode
	}
	if a.Storage.Provider == "trident" {
		return "ReadWriteMany"
	}
	return "ReadWriteOnce"
}

// BlobStore says where registry blobs live: "minio", "s3" or "filesystem".
func (a *Answers) BlobStore() string {
	switch {
	case a.MinIO.Enabled:
		return "minio"
	case a.S3.Endpoint != "" || a.S3.Bucket != "":
		return "s3"
	}
	return "filesystem"
}

// MinIOStorageClass is the class for MinIO's volumes.
func (a *Answers) MinIOStorageClass() string {
	if a.MinIO.StorageClass != "" {
		return a.MinIO.StorageClass
	}
	return a.Storage.StorageClass
}

// MinIODrivesPerZone is the drive count of one server pool.
func (a *Answers) MinIODrivesPerZone() int {
	return a.MinIO.NodesPerZone * a.MinIO.DrivesPerNode
}

// Pinned chart defaults for MinIO, by minio.chart.
var minioCharts = map[string]Chart{
	"official": {Source: "https://charts.min.io", Name: "minio", Version: "5.4.0"},
	"bitnami":  {Source: "oci://registry-1.docker.io/bitnamicharts/minio", Name: "minio", Version: "17.0.23"},
}

// MinIOChart is charts.minio with empty parts filled from minio.chart.
func (a *Answers) MinIOChart() Chart {
	c := a.Charts.MinIO
	d := minioCharts[a.MinIO.Chart]
	if c.Source == "" {
		c.Source = d.Source
	}
	if c.Name == "" {
		c.Name = d.Name
	}
	if c.Version == "" {
		c.Version = d.Version
	}
	return c
}

// HarborFullname is the chart's fullname: the release name when it contains
// "harbor", else "<release>-harbor". Workload names start with it.
func (a *Answers) HarborFullname() string {
	if strings.Contains(a.Harbor.ReleaseName, "harbor") {
		return a.Harbor.ReleaseName
	}
	return a.Harbor.ReleaseName + "-harbor"
}

// MinIOFullname is the MinIO charts' fullname rule (both charts): the
// release name when it contains "minio", else "<release>-minio".
func (a *Answers) MinIOFullname() string {
	if strings.Contains(a.MinIO.ReleaseName, "minio") {
		return a.MinIO.ReleaseName
	}
	return a.MinIO.ReleaseName + "-minio"
}

// MinIOEndpoint is the in-cluster S3 endpoint of MinIO, with scheme and
// the API port (not the console's): without them the registry hangs.
func (a *Answers) MinIOEndpoint() string {
	return "http://" + a.MinIOFullname() + "." + a.MinIO.Namespace + ".svc." + a.ClusterDomain() + ":9000"
}

// ClusterDomain is cluster.domain, the Services' DNS suffix; empty means
// Kubernetes' default, cluster.local.
func (a *Answers) ClusterDomain() string {
	if d := strings.Trim(strings.TrimSpace(a.Cluster.Domain), "."); d != "" {
		return d
	}
	return "cluster.local"
}
