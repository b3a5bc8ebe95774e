package render

import (
	"fmt"
	"strings"

	"github.com/harbor-installer/harbor-installer/answers"
)

// Image defaults for MinIO. The official chart 5.4.0 is the last release
// and docker.io/minio is reported gone, so its images come from quay.io at
// the chart's own tags; Bitnami's free images moved to docker.io/bitnamilegacy
// (no updates) at the tags chart 17.0.23 pins.
var (
	officialMinIOImage  = answers.Image{Registry: "quay.io", Repository: "minio/minio", Tag: "RELEASE.2024-12-18T13-15-44Z"}
	officialMCImage     = answers.Image{Registry: "quay.io", Repository: "minio/mc", Tag: "RELEASE.2024-11-21T17-21-54Z"}
	bitnamiMinIOImage   = answers.Image{Registry: "docker.io", Repository: "bitnamilegacy/minio", Tag: "2025.7.23-debian-12-r3"}
	bitnamiClientImage  = answers.Image{Registry: "docker.io", Repository: "bitnamilegacy/minio-client", Tag: "2025.7.21-debian-12-r2"}
	bitnamiConsoleImage = answers.Image{Registry: "docker.io", Repository: "bitnamilegacy/minio-object-browser", Tag: "2.0.2-debian-12-r3"}
	// The provisioning Job's wait-for-available-minio container uses the
	// volumePermissions image even when that init container is disabled.
	bitnamiShellImage = answers.Image{Registry: "docker.io", Repository: "bitnamilegacy/os-shell", Tag: "12-debian-12-r50"}
)

func withDefaults(i, d answers.Image) answers.Image {
	if i.Registry == "" {
		i.Registry = d.Registry
	}
	if i.Repository == "" {
		i.Repository = d.Repository
	}
	if i.Tag == "" {
		i.Tag = d.Tag
	}
	return i
}

// minioUser is a MinIO user the installer provisions, limited by a policy
// to one bucket.
type minioUser struct {
	role    string // "harbor" or "velero": names the Secret and policy
	user    string
	bucket  string
	answer  string // answer key of the secret key, if any
	secret  answers.SecretRef
	purpose string
}

func minioUsers(a *answers.Answers) []minioUser {
	us := []minioUser{{
		role: "harbor", user: a.MinIO.HarborUser, bucket: a.MinIO.Bucket,
		answer: "minio.harborSecretKey", secret: a.MinIO.HarborSecretKey,
		purpose: "Harbor's registry",
	}}
	if a.Backup.Enabled {
		us = append(us, minioUser{role: "velero", user: "velero", bucket: a.Backup.Bucket, purpose: "Velero backups"})
	}
	return us
}

// minioUserSecret names the Secret (in MinIO's namespace) holding a MinIO
// user's secret key under key secretKey.
func minioUserSecret(a *answers.Answers, role string) string {
	return a.MinIOFullname() + "-" + role + "-user"
}

func minioPolicyName(role string) string { return role + "-bucket" }

// bucketPolicy allows what the Docker registry and Velero need on one
// bucket and nothing else.
func bucketPolicy(role, bucket string) map[string]any {
	return map[string]any{
		"name": minioPolicyName(role),
		"statements": []any{
			map[string]any{
				"effect":    "Allow",
				"resources": []any{"arn:aws:s3:::" + bucket},
				"actions":   []any{"s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"},
			},
			map[string]any{
				"effect":    "Allow",
				"resources": []any{"arn:aws:s3:::" + bucket + "/*"},
				"actions":   []any{"s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:PutObject"},
			},
		},
	}
}

func addMinIO(p *Plan, a *answers.Answers) error {
	m := a.MinIO
	full := a.MinIOFullname()
	ns := m.Namespace
	users := minioUsers(a)
	for _, u := range users {
		src := generated(40)
		if u.answer != "" {
			src = answerSource(u.answer, u.secret, true, 40)
		}
		p.Secrets = append(p.Secrets, Secret{
			Name: minioUserSecret(a, u.role), Namespace: ns, Type: "Opaque",
			Purpose: "MinIO user " + u.user + " for " + u.purpose + " (policy " + minioPolicyName(u.role) + ")",
			Keys:    []SecretKey{{Key: "secretKey", From: src}},
		})
	}
	root := full + "-root"
	rootPw := answerSource("minio.rootPassword", m.RootPassword, true, 40)
	policies := []any{}
	buckets := []string{m.Bucket}
	for _, u := range users {
		policies = append(policies, bucketPolicy(u.role, u.bucket))
		if u.bucket != m.Bucket {
			buckets = append(buckets, u.bucket)
		}
	}
	persistence := map[string]any{
		"enabled":      true,
		"storageClass": a.MinIOStorageClass(),
		"size":         m.VolumeSize,
	}
	// One even spread of all pods of all pools over availability zones
	// (answers/minio_layout.go says why not one per pool, and what an AZ
	// outage then leaves). On EBS every node carries a zone label and
	// volumes are zone-bound: spread strictly. Elsewhere zone labels may be
	// missing: spread softly.
	when := "ScheduleAnyway"
	if a.Storage.Provider == "ebs" {
		when = "DoNotSchedule"
	}
	// The Bitnami chart builds the server list from clusterDomain; the
	// official chart prints it in its notes.
	v := map[string]any{"mode": "distributed", "clusterDomain": a.ClusterDomain()}
	var waits []Wait
	switch m.Chart {
	case "official":
		p.Secrets = append(p.Secrets, Secret{
			Name: root, Namespace: ns, Type: "Opaque", Purpose: "minio existingSecret (root credentials)",
			Keys: []SecretKey{
				{Key: "rootUser", From: plain("minio.rootUser", m.RootUser)},
				{Key: "rootPassword", From: rootPw},
			},
		})
		v["existingSecret"] = root
		v["replicas"] = m.NodesPerZone
		v["pools"] = m.Zones
		v["drivesPerNode"] = m.DrivesPerNode
		persistence["accessMode"] = "ReadWriteOnce"
		v["persistence"] = persistence
		v["resources"] = map[string]any{"requests": map[string]any{"memory": m.MemoryRequest}}
		img := withDefaults(m.Image, officialMinIOImage)
		mc := withDefaults(m.ClientImage, officialMCImage)
		v["image"] = map[string]any{"repository": img.Registry + "/" + img.Repository, "tag": img.Tag}
		v["mcImage"] = map[string]any{"repository": mc.Registry + "/" + mc.Repository, "tag": mc.Tag}
		var bs []any
		for _, b := range buckets {
			bs = append(bs, map[string]any{"name": b, "policy": "none", "purge": false})
		}
		v["buckets"] = bs
		// users replaces the chart's default console/console123 user.
		var us []any
		for _, u := range users {
			us = append(us, map[string]any{
				"accessKey":         u.user,
				"existingSecret":    minioUserSecret(a, u.role),
				"existingSecretKey": "secretKey",
				"policy":            minioPolicyName(u.role),
			})
		}
		v["users"] = us
		v["policies"] = policies
		// The budget selects the pods of all pools: it allows only what
		// every pool survives for writes (0 blocks drains; validate fails
		// such a layout).
		v["podDisruptionBudget"] = map[string]any{"enabled": true, "maxUnavailable": a.MinIODisruptionBudget()}
		if m.SpreadAcrossZones {
			v["topologySpreadConstraints"] = zoneSpread(when, map[string]any{"app": "minio", "release": m.ReleaseName})
		}
		waits = []Wait{
			workload("StatefulSet", full, ns),
			{APIVersion: "batch/v1", Kind: "Job", Name: full + "-post-job", Namespace: ns, Hook: true},
		}
	case "bitnami":
		p.Secrets = append(p.Secrets, Secret{
			Name: root, Namespace: ns, Type: "Opaque", Purpose: "minio auth.existingSecret (root credentials)",
			Keys: []SecretKey{
				{Key: "root-user", From: plain("minio.rootUser", m.RootUser)},
				{Key: "root-password", From: rootPw},
			},
		})
		usersSecret := full + "-provisioning-users"
		var keys []SecretKey
		for _, u := range users {
			keys = append(keys, SecretKey{Key: u.role, From: Source{
				Kind: FromTemplate,
				Template: "username=" + u.user + "\npassword={{.secretKey}}\ndisabled=false\npolicies=" +
					minioPolicyName(u.role) + "\nsetPolicies=true\n",
				Inputs: map[string]Source{"secretKey": fromSecret(ns, minioUserSecret(a, u.role), "secretKey")},
			}})
		}
		p.Secrets = append(p.Secrets, Secret{
			Name: usersSecret, Namespace: ns, Type: "Opaque",
			Purpose: "minio provisioning.usersExistingSecrets (users and their policies)",
			Keys:    keys,
		})
		v["auth"] = map[string]any{"existingSecret": root}
		// The chart prints maxUnavailable with "| default 1", so 0 must be
		// said as minAvailable: all pods.
		if b := a.MinIODisruptionBudget(); b > 0 {
			v["pdb"] = map[string]any{"create": true, "maxUnavailable": b}
		} else {
			v["pdb"] = map[string]any{"create": true, "minAvailable": m.Zones * m.NodesPerZone}
		}
		v["statefulset"] = map[string]any{
			"replicaCount":  m.NodesPerZone,
			"zones":         m.Zones,
			"drivesPerNode": m.DrivesPerNode,
		}
		persistence["accessModes"] = []any{"ReadWriteOnce"}
		v["persistence"] = persistence
		v["resources"] = map[string]any{"requests": map[string]any{"memory": m.MemoryRequest}}
		img := withDefaults(m.Image, bitnamiMinIOImage)
		mc := withDefaults(m.ClientImage, bitnamiClientImage)
		bimg := func(i answers.Image) map[string]any {
			return map[string]any{"registry": i.Registry, "repository": i.Repository, "tag": i.Tag}
		}
		v["image"] = bimg(img)
		v["clientImage"] = bimg(mc)
		v["console"] = map[string]any{"image": bimg(siblingImage(img, bitnamiConsoleImage))}
		v["defaultInitContainers"] = map[string]any{"volumePermissions": map[string]any{"image": bimg(siblingImage(img, bitnamiShellImage))}}
		// Images outside docker.io/bitnami need the chart's explicit consent.
		v["global"] = map[string]any{"security": map[string]any{"allowInsecureImages": true}}
		var bs []any
		for _, b := range buckets {
			bs = append(bs, map[string]any{"name": b})
		}
		v["provisioning"] = map[string]any{
			"enabled":              true,
			"buckets":              bs,
			"policies":             policies,
			"usersExistingSecrets": []any{usersSecret},
		}
		if m.SpreadAcrossZones {
			v["topologySpreadConstraints"] = zoneSpread(when, map[string]any{
				"app.kubernetes.io/name":      "minio",
				"app.kubernetes.io/instance":  m.ReleaseName,
				"app.kubernetes.io/component": "minio",
			})
		}
		waits = []Wait{
			workload("StatefulSet", full, ns),
			workload("Deployment", full+"-console", ns),
			{APIVersion: "batch/v1", Kind: "Job", Name: full + "-provisioning", Namespace: ns, Hook: true},
		}
	default:
		return fmt.Errorf("minio.chart: unknown chart %q — use official or bitnami", m.Chart)
	}
	// MinIO's pods read the root credentials; both charts take podAnnotations.
	v["podAnnotations"] = map[string]any{}
	p.addRelease(Release{Name: m.ReleaseName, Namespace: ns, Chart: a.MinIOChart(), Values: v, Waits: waits,
		SecretRollouts: []SecretRollout{{Path: "podAnnotations", Secrets: []string{ns + "/" + root}}}})
	return nil
}

// siblingImage places one of the chart's other images (console, os-shell)
// beside the server image: when MinIO's image is mirrored to a private
// registry, or kept under bitnami/, the others are expected there too.
func siblingImage(server, d answers.Image) answers.Image {
	if server.Registry != bitnamiMinIOImage.Registry {
		d.Registry = server.Registry
	}
	if strings.HasPrefix(server.Repository, "bitnami/") {
		d.Repository = "bitnami/" + strings.TrimPrefix(d.Repository, "bitnamilegacy/")
	}
	return d
}
