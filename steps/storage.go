package steps

import (
	"fmt"

	"github.com/harbor-installer/harbor-installer/answers"
)

func storageStep() Step {
	return Step{
		Name:     "storage",
		Title:    "Storage",
		Keys:     []string{"storage", "harbor.volumes"},
		Validate: validateStorage,
		Check:    storageLive,
	}
}

func validateStorage(a *answers.Answers) []Finding {
	var out []Finding
	s := a.Storage
	if s.StorageClass == "" {
		if s.Provider == "existing" {
			out = append(out, ok("storage.storageClass", "empty: volumes use the cluster's default StorageClass"))
		} else {
			out = append(out, fail("storage.storageClass", "required with provider "+s.Provider, "name the StorageClass, e.g. ontap-nas or gp3"))
		}
	} else {
		out = append(out, checkK8sName("storage.storageClass", s.StorageClass, false)...)
	}
	if s.Provider == "ebs" && s.AccessMode == "ReadWriteMany" {
		out = append(out, fail("storage.accessMode", "EBS volumes are ReadWriteOnce only", "remove storage.accessMode, or use Trident ontap-nas for ReadWriteMany"))
	}
	if s.Trident.Install {
		if s.Provider != "trident" {
			out = append(out, fail("storage.trident.install", "Trident install asked with provider "+s.Provider, "set storage.provider: trident, or storage.trident.install: false"))
		} else {
			t := s.Trident
			out = append(out, checkHost("storage.trident.managementLIF", t.ManagementLIF)...)
			// Trident picks a data LIF of the SVM itself when none is given.
			if t.DataLIF != "" {
				out = append(out, checkHost("storage.trident.dataLIF", t.DataLIF)...)
			}
			if t.SVM == "" {
				out = append(out, fail("storage.trident.svm", "required but empty", "give the ONTAP storage VM that serves NFS"))
			}
			if t.Username == "" {
				out = append(out, fail("storage.trident.username", "required but empty", "give the ONTAP user for Trident (often vsadmin)"))
			}
			out = append(out, checkSecret("storage.trident.password", t.Password, "required")...)
			out = append(out, checkK8sName("storage.trident.namespace", t.Namespace, true)...)
			out = append(out, checkK8sName("storage.trident.backendName", t.BackendName, false)...)
			out = append(out, checkFile("storage.trident.caFile", t.CAFile, false)...)
		}
	}

	// More than one pod writing the same filesystem volume needs ReadWriteMany;
	// on ReadWriteOnce the second pod fails with a Multi-Attach error.
	// Job logs follow answers.JobLogsInDatabase, as render's jobLoggers do:
	// on ReadWriteOnce they go to the database, so jobservice replicas share
	// no volume and only the registry's blob volume can be the problem.
	rwx := a.AccessMode() == "ReadWriteMany"
	reg, job := a.Harbor.Replicas.Of("registry"), a.Harbor.Replicas.Of("jobservice")
	switch {
	case a.BlobStore() == "filesystem" && !rwx && reg > 1:
		out = append(out, fail("harbor.replicas", fmt.Sprintf("%d registry replicas share one filesystem blob volume, but storage class %q gives only ReadWriteOnce", reg, s.StorageClass),
			"use storage.provider trident (ReadWriteMany), put image blobs in MinIO (minio.enabled) or S3, or use 1 registry replica"))
	case a.BlobStore() == "filesystem" && rwx && reg > 1:
		out = append(out, ok("harbor.replicas", fmt.Sprintf("%d registry replicas share one ReadWriteMany volume", reg)))
	}
	if a.JobLogsInDatabase() && job > 1 {
		out = append(out, ok("harbor.replicas", fmt.Sprintf("job logs go to the database, so %d jobservice replicas need no shared volume", job)))
	}

	vols := []struct {
		key, size string
		used      bool
	}{
		{"harbor.volumes.registry", a.Harbor.Volumes.Registry, a.BlobStore() == "filesystem"},
		{"harbor.volumes.database", a.Harbor.Volumes.Database, a.Harbor.Database.Type == "internal"},
		{"harbor.volumes.redis", a.Harbor.Volumes.Redis, a.Harbor.Redis.Type == "internal"},
		{"harbor.volumes.trivy", a.Harbor.Volumes.Trivy, a.Harbor.Trivy},
		{"harbor.volumes.jobLog", a.Harbor.Volumes.JobLog, !a.JobLogsInDatabase()},
	}
	for _, v := range vols {
		if v.used {
			out = append(out, checkQuantity(v.key, v.size)...)
		}
	}
	return out
}
