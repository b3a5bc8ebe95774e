package steps

import (
	"fmt"
	"strings"

	"github.com/harbor-installer/harbor-installer/answers"
)

func minioStep() Step {
	return Step{
		Name:     "minio",
		Title:    "Object storage",
		Keys:     []string{"minio", "s3"},
		Validate: validateObjectStore,
		Check:    minioLive,
	}
}

func validateObjectStore(a *answers.Answers) []Finding {
	switch a.BlobStore() {
	case "minio":
		out := validateMinIO(a)
		if a.S3.Endpoint != "" {
			out = append(out, warn("s3.endpoint", "set while minio.enabled is true; the external S3 store is not used", "remove s3.* or set minio.enabled: false"))
		}
		return out
	case "s3":
		return validateS3(a)
	}
	return []Finding{ok("minio.enabled", "image blobs are kept on a filesystem volume (no MinIO, no S3)")}
}

func validateMinIO(a *answers.Answers) []Finding {
	m := a.MinIO
	var out []Finding
	out = append(out, checkK8sName("minio.namespace", m.Namespace, true)...)
	out = append(out, checkK8sName("minio.releaseName", m.ReleaseName, true)...)
	out = append(out, checkQuantity("minio.volumeSize", m.VolumeSize)...)
	out = append(out, checkQuantity("minio.memoryRequest", m.MemoryRequest)...)
	out = append(out, checkBucket("minio.bucket", m.Bucket)...)
	out = append(out, checkSecret("minio.rootPassword", m.RootPassword, "generate")...)
	out = append(out, checkSecret("minio.harborSecretKey", m.HarborSecretKey, "generate")...)
	if m.RootUser == "" || len(m.RootUser) < 3 {
		out = append(out, fail("minio.rootUser", fmt.Sprintf("%q is too short", m.RootUser), "MinIO needs a user name of at least 3 characters"))
	}
	if m.HarborUser == "" || m.HarborUser == m.RootUser {
		out = append(out, fail("minio.harborUser", fmt.Sprintf("%q", m.HarborUser), "give Harbor its own MinIO user, different from minio.rootUser, so it gets only its bucket"))
	}
	if m.Chart == "bitnami" {
		out = append(out, warn("minio.chart", "Bitnami's free MinIO images moved to docker.io/bitnamilegacy and get no updates",
			"set minio.image to an image you maintain, or use minio.chart: official"))
	}

	bad := false
	for _, kv := range []struct {
		key string
		v   int
	}{{"minio.zones", m.Zones}, {"minio.nodesPerZone", m.NodesPerZone}, {"minio.drivesPerNode", m.DrivesPerNode}} {
		if kv.v < 1 {
			out = append(out, fail(kv.key, fmt.Sprintf("%d", kv.v), "must be at least 1"))
			bad = true
		}
	}
	if bad {
		return out
	}
	out = append(out, erasureFindings(a)...)
	return out
}

// ErasureLayout is MinIO's layout of one server pool (see answers).
type ErasureLayout = answers.ErasureLayout

// PoolLayout computes MinIO's layout for one pool of drives; the model
// lives in answers so that checks and rendering share it.
func PoolLayout(drives int) ErasureLayout { return answers.PoolLayout(drives) }

// erasureFindings describes the one MinIO model: minio.zones are server
// pools, spreadAcrossZones spreads all MinIO pods evenly over availability
// zones (not pool by pool: see answers/minio_layout.go), and the
// PodDisruptionBudget allows only what every pool survives for writes.
func erasureFindings(a *answers.Answers) []Finding {
	m := a.MinIO
	pools, nodes, drivesPerNode := m.Zones, m.NodesPerZone, m.DrivesPerNode
	drives := nodes * drivesPerNode
	total := drives * pools
	l := answers.PoolLayout(drives)
	switch {
	case drives < 2:
		return []Finding{fail("minio.nodesPerZone", fmt.Sprintf("each server pool has %d drive (%d nodes x %d drives); MinIO's erasure coding needs at least 2 per pool", drives, nodes, drivesPerNode),
			"raise minio.nodesPerZone or minio.drivesPerNode so each pool has 4 or more drives")}
	case l.SetSize == 0:
		return []Finding{fail("minio.nodesPerZone", fmt.Sprintf("each server pool has %d drives, which no erasure-set size from 2 to 16 divides", drives),
			"choose nodesPerZone x drivesPerNode as a multiple of 2 to 16 drives, e.g. 4, 8 or 16")}
	case total < 4:
		return []Finding{fail("minio.zones", fmt.Sprintf("all server pools together have %d drives; distributed MinIO needs at least 4", total),
			"add pools, nodes or drives until there are 4 or more drives")}
	}
	readPods, writePods := a.MinIONodesTolerated(false), a.MinIONodesTolerated(true)
	seen := fmt.Sprintf("%d server pool(s) x %d nodes x %d drives = %d drives per pool, %d in all; erasure sets of %d with parity %d: each set survives %d failed drive(s) for reads and %d for writes, so a pool stays readable with %d pod(s) down and writable with %d; %s",
		pools, nodes, drivesPerNode, drives, total, l.SetSize, l.Parity, l.ReadLoss, l.WriteLoss, readPods, writePods, azTolerance(a))
	out := []Finding{ok("minio.zones", seen)}
	if budget := a.MinIODisruptionBudget(); budget < 1 {
		fix := max(total/4, 1)
		out = append(out, fail("minio.nodesPerZone",
			fmt.Sprintf("a pool of %d drives loses write quorum with any one of its pods down, so a PodDisruptionBudget that lets a node drain evict one MinIO pod stops pushes (the installer renders maxUnavailable 0, which blocks every drain instead)", drives),
			fmt.Sprintf("use 4 or more drives per pool so one pod may go, e.g. minio.zones %d, minio.nodesPerZone 4, minio.drivesPerNode 1 (the same %d drives)", fix, fix*4)))
	} else {
		out = append(out, ok("minio.nodesPerZone", fmt.Sprintf("PodDisruptionBudget maxUnavailable %d: a drain evicts at most %d MinIO pod(s) at once, which every pool survives for writes", budget, budget)))
	}
	return out
}

// azTolerance is the tolerance sentence for an availability-zone outage.
func azTolerance(a *answers.Answers) string {
	if !a.MinIO.SpreadAcrossZones {
		return "pods are not spread over availability zones, so one AZ outage can take whole pools offline"
	}
	pods := a.MinIO.Zones * a.MinIO.NodesPerZone
	read, write := a.MinIOAZsNeeded(false), a.MinIOAZsNeeded(true)
	s := fmt.Sprintf("the %d MinIO pods are spread evenly over availability zones (all pools together: Kubernetes allows one spread per topology key), so an AZ outage takes up to ceil(%d/AZs) pods, in the worst case of one pool: ", pods, pods)
	switch {
	case read == 0:
		s += "no number of AZs keeps every pool readable through an AZ outage"
	case write == 0:
		s += fmt.Sprintf("with %d or more AZs every pool stays readable (not writable) when one AZ is lost", read)
	default:
		s += fmt.Sprintf("with %d or more AZs every pool stays readable, and with %d or more also writable, when one AZ is lost", read, write)
	}
	if a.Storage.Provider != "ebs" {
		s += " (the spread is preferred, not enforced, off EBS: ScheduleAnyway)"
	}
	return s
}

func validateS3(a *answers.Answers) []Finding {
	s := a.S3
	var out []Finding
	if s.Endpoint == "" {
		out = append(out, ok("s3.endpoint", "empty: AWS S3 in region "+s.Region))
	} else {
		out = append(out, checkEndpointURL("s3.endpoint", s.Endpoint)...)
	}
	if strings.TrimSpace(s.Region) == "" {
		out = append(out, fail("s3.region", "required but empty", "give the region; S3-compatible stores accept us-east-1"))
	}
	out = append(out, checkBucket("s3.bucket", s.Bucket)...)
	out = append(out, checkSecret("s3.accessKey", s.AccessKey, "required")...)
	out = append(out, checkSecret("s3.secretKey", s.SecretKey, "required")...)
	out = append(out, checkFile("s3.caFile", s.CAFile, false)...)
	return out
}
