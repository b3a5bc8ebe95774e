package render

import (
	"fmt"

	"github.com/harbor-installer/harbor-installer/answers"
)

// veleroRelease is Velero's release name; the chart names its Deployment
// "velero" regardless, and its fullname is the release name.
const veleroRelease = "velero"

const veleroCloudINI = "[default]\naws_access_key_id={{.accessKey}}\naws_secret_access_key={{.secretKey}}\n"

// addVelero backs up Harbor's namespace to the backup bucket in MinIO (as
// its own bucket-scoped user) or in the external S3 store. Volume data goes
// through the node agent's file-system backup: without a snapshot provider
// (snapshotsEnabled false) a backup would otherwise hold no database.
func addVelero(p *Plan, a *answers.Answers) error {
	b := a.Backup
	ns := b.Namespace
	config := map[string]any{
		"region":            s3Region(a),
		"checksumAlgorithm": "",
	}
	var inputs map[string]Source
	switch a.BlobStore() {
	case "minio":
		config["s3ForcePathStyle"] = "true"
		config["s3Url"] = a.MinIOEndpoint()
		inputs = map[string]Source{
			"accessKey": {Kind: FromValue, Value: "velero"},
			"secretKey": fromSecret(a.MinIO.Namespace, minioUserSecret(a, "velero"), "secretKey"),
		}
	case "s3":
		if a.S3.Endpoint != "" {
			config["s3ForcePathStyle"] = "true"
			config["s3Url"] = a.S3.Endpoint
		}
		inputs = map[string]Source{
			"accessKey": answerSource("s3.accessKey", a.S3.AccessKey, false, 0),
			"secretKey": answerSource("s3.secretKey", a.S3.SecretKey, false, 0),
		}
	default:
		return fmt.Errorf("backup.enabled: backups need an object store — set minio.enabled or s3.endpoint/s3.bucket")
	}
	creds := "velero-cloud-credentials"
	p.Secrets = append(p.Secrets, Secret{
		Name: creds, Namespace: ns, Type: "Opaque",
		Purpose: "velero credentials.existingSecret (AWS credentials file for the backup bucket)",
		Keys:    []SecretKey{{Key: "cloud", From: Source{Kind: FromTemplate, Template: veleroCloudINI, Inputs: inputs}}},
	})
	bsl := map[string]any{
		"name":       "default",
		"provider":   "aws",
		"bucket":     b.Bucket,
		"default":    true,
		"credential": map[string]any{"name": creds, "key": "cloud"},
		"config":     config,
	}
	var files []FileValue
	if a.BlobStore() == "s3" && a.S3.CAFile != "" {
		// caCert takes the base64 of the PEM itself; the engine fills it
		// from s3.caFile at install (render reads no files).
		bsl["caCert"] = ""
		files = append(files, FileValue{Path: "configuration.backupStorageLocation.0.caCert", Answer: "s3.caFile", File: a.S3.CAFile, Encoding: EncodingBase64})
	}
	v := map[string]any{
		// The Deployment and the node agent read the credentials Secret.
		"podAnnotations": map[string]any{},
		"initContainers": []any{map[string]any{
			"name":            "velero-plugin-for-aws",
			"image":           b.PluginImage,
			"imagePullPolicy": "IfNotPresent",
			"volumeMounts":    []any{map[string]any{"mountPath": "/target", "name": "plugins"}},
		}},
		"configuration": map[string]any{
			"backupStorageLocation": []any{bsl},
		},
		"credentials":      map[string]any{"useSecret": true, "existingSecret": creds},
		"snapshotsEnabled": false,
		"deployNodeAgent":  true,
		"schedules": map[string]any{
			"harbor": map[string]any{
				"schedule": b.Schedule,
				"template": map[string]any{
					"ttl":                      b.TTL,
					"includedNamespaces":       []any{a.Harbor.Namespace},
					"storageLocation":          "default",
					"defaultVolumesToFsBackup": true,
				},
			},
		},
	}
	p.addRelease(Release{
		Name: veleroRelease, Namespace: ns, Chart: a.Charts.Velero, Values: v,
		FileValues:     files,
		SecretRollouts: []SecretRollout{{Path: "podAnnotations", Secrets: []string{ns + "/" + creds}}},
		Waits: []Wait{
			{APIVersion: "batch/v1", Kind: "Job", Name: veleroRelease + "-upgrade-crds", Namespace: ns, Hook: true},
			workload("Deployment", "velero", ns),
			workload("DaemonSet", "node-agent", ns),
			{
				APIVersion: "velero.io/v1", Kind: "BackupStorageLocation", Name: "default", Namespace: ns,
				// Unavailable can be transient (first validation before the
				// plugin loads), so it is not a failure: time out instead.
				Ready: []FieldMatch{{Path: ".status.phase", Value: "Available"}},
			},
		},
	})
	return nil
}
