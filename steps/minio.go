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
	out = append(out, erasureFindings(m.Zones, m.NodesPerZone, m.DrivesPerNode, m.SpreadAcrossZones)...)
	return out
}

// ErasureLayout describes how MinIO lays one server pool (zone) out.
type ErasureLayout struct {
	Drives  int // drives in the pool
	SetSize int // drives per erasure set, 0 when no valid size exists
	Sets    int
	Parity  int // MinIO's default parity for SetSize
	// ReadLoss and WriteLoss are how many drives of each set may fail while
	// objects stay readable, respectively writable.
	ReadLoss, WriteLoss int
}

// PoolLayout computes MinIO's layout for one pool of drives: the largest
// erasure-set size from 2 to 16 dividing the drive count, with MinIO's
// default parity (EC:1 for 2-3 drives, EC:2 for 4-5, EC:3 for 6-7, EC:4 for
// 8-16). Writes need one drive more than half when parity is exactly half.
func PoolLayout(drives int) ErasureLayout {
	l := ErasureLayout{Drives: drives}
	for s := 16; s >= 2; s-- {
		if drives%s == 0 {
			l.SetSize = s
			break
		}
	}
	if l.SetSize == 0 {
		return l
	}
	l.Sets = drives / l.SetSize
	switch {
	case l.SetSize <= 3:
		l.Parity = 1
	case l.SetSize <= 5:
		l.Parity = 2
	case l.SetSize <= 7:
		l.Parity = 3
	default:
		l.Parity = 4
	}
	l.ReadLoss = l.Parity
	l.WriteLoss = l.Parity
	if 2*l.Parity == l.SetSize {
		l.WriteLoss = l.Parity - 1
	}
	return l
}

func erasureFindings(zones, nodes, drivesPerNode int, spread bool) []Finding {
	var out []Finding
	drives := nodes * drivesPerNode
	total := drives * zones
	l := PoolLayout(drives)
	switch {
	case drives < 2:
		return []Finding{fail("minio.nodesPerZone", fmt.Sprintf("each zone has %d drive (%d nodes x %d drives); MinIO's erasure coding needs at least 2 per zone", drives, nodes, drivesPerNode),
			"raise minio.nodesPerZone or minio.drivesPerNode so each zone has 4 or more drives")}
	case l.SetSize == 0:
		return []Finding{fail("minio.nodesPerZone", fmt.Sprintf("each zone has %d drives, which no erasure-set size from 2 to 16 divides", drives),
			"choose nodesPerZone x drivesPerNode as a multiple of 2 to 16 drives, e.g. 4, 8 or 16")}
	case total < 4:
		return []Finding{fail("minio.zones", fmt.Sprintf("all zones together have %d drives; distributed MinIO needs at least 4", total),
			"add zones, nodes or drives until there are 4 or more drives")}
	}

	// What one availability-zone outage takes: with spreading, a zone's nodes
	// sit in different availability zones, so at most ceil(nodes/AZs) nodes of
	// each zone go; this assumes the fewest useful AZs, 2 (3 when nodes >= 3).
	azs := min(max(nodes, 2), 3)
	lostNodes := (nodes + azs - 1) / azs
	lostPerSet := (lostNodes*drivesPerNode + l.Sets - 1) / l.Sets
	if l.Sets > 1 {
		// Sets stripe across nodes, so a lost node's drives spread over sets.
		lostPerSet = (lostNodes*drivesPerNode)/l.Sets + min(1, (lostNodes*drivesPerNode)%l.Sets)
	}
	var az string
	switch {
	case !spread:
		az = "pods are not spread over availability zones, so one AZ outage can take a whole zone offline"
	case lostPerSet <= l.WriteLoss:
		az = fmt.Sprintf("losing one availability zone (up to %d of %d nodes per zone when spread over %d AZs) leaves data readable and writable", lostNodes, nodes, azs)
	case lostPerSet <= l.ReadLoss:
		az = fmt.Sprintf("losing one availability zone (up to %d of %d nodes per zone when spread over %d AZs) leaves data readable but not writable", lostNodes, nodes, azs)
	default:
		az = fmt.Sprintf("losing one availability zone (up to %d of %d nodes per zone when spread over %d AZs) makes data unreadable until it returns", lostNodes, nodes, azs)
	}
	seen := fmt.Sprintf("%d zone(s) x %d nodes x %d drives = %d drives per zone, %d in all; erasure sets of %d with parity %d: each set survives %d failed drive(s) for reads and %d for writes; %s",
		zones, nodes, drivesPerNode, drives, total, l.SetSize, l.Parity, l.ReadLoss, l.WriteLoss, az)
	out = append(out, ok("minio.zones", seen))
	if drives < 4 {
		out = append(out, warn("minio.nodesPerZone", fmt.Sprintf("each zone has only %d drives", drives),
			"plan at least 4 drives per zone so a zone still accepts writes with a drive down"))
	}
	return out
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
