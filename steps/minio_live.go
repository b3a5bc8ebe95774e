package steps

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/harbor-installer/harbor-installer/answers"
)

// ZoneLabel is the well-known node label of the availability zone.
const ZoneLabel = "topology.kubernetes.io/zone"

// minioLive checks the object store Harbor's blobs go to: for MinIO in the
// cluster, that the nodes can hold its pods as planned; for external S3,
// that the endpoint, credentials and bucket work as Harbor will use them.
func minioLive(ctx context.Context, a *answers.Answers, env *Env) []Finding {
	switch a.BlobStore() {
	case "minio":
		if env.Cluster == nil {
			return noCluster("minio.zones")
		}
		return minioNodesLive(ctx, a, env)
	case "s3":
		return s3Live(ctx, a, env, a.S3.Bucket, "s3.bucket")
	}
	return nil
}

// schedulable reports a Ready node that takes new pods without tolerations.
func schedulable(n *corev1.Node) bool {
	if n.Spec.Unschedulable {
		return false
	}
	for _, t := range n.Spec.Taints {
		if t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute {
			return false
		}
	}
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func minioNodesLive(ctx context.Context, a *answers.Answers, env *Env) []Finding {
	m := a.MinIO
	if m.Zones < 1 || m.NodesPerZone < 1 {
		return nil // the field checks report it
	}
	nodes, err := env.Cluster.Nodes(ctx)
	if err != nil {
		return []Finding{fail("minio.zones", "cannot list nodes: "+errText(err, env.timeout()), "check this user may list nodes")}
	}
	mem, memErr := resource.ParseQuantity(m.MemoryRequest)
	perZone := map[string]int{} // schedulable nodes per availability zone
	fit := 0                    // schedulable nodes with room for one MinIO pod's memory
	var sched []*corev1.Node
	for i := range nodes {
		n := &nodes[i]
		if !schedulable(n) {
			continue
		}
		sched = append(sched, n)
		perZone[n.Labels[ZoneLabel]]++
		if memErr == nil && n.Status.Allocatable.Memory().Cmp(mem) >= 0 {
			fit++
		}
	}
	pods := m.Zones * m.NodesPerZone
	if len(sched) == 0 {
		return []Finding{fail("minio.nodesPerZone", fmt.Sprintf("none of the %d nodes is Ready and schedulable", len(nodes)), "add nodes, or remove taints and cordons")}
	}
	var out []Finding
	zones := sortedKeys(perZone)
	delete(perZone, "")
	azs := len(perZone)
	if m.SpreadAcrossZones {
		out = append(out, spreadLive(a, azs, zoneCounts(zones, perZone))...)
	}
	if len(sched) < pods {
		out = append(out, warn("minio.nodesPerZone", fmt.Sprintf("%d MinIO pods but %d schedulable nodes: pods would share nodes, and a node outage takes more drives", pods, len(sched)),
			"add nodes, or lower minio.nodesPerZone and raise minio.drivesPerNode"))
	} else {
		out = append(out, ok("minio.nodesPerZone", fmt.Sprintf("%d MinIO pods on %d schedulable nodes", pods, len(sched))))
	}
	if memErr == nil {
		var cpu, memMax resource.Quantity
		for _, n := range sched {
			if n.Status.Allocatable.Memory().Cmp(memMax) > 0 {
				memMax = n.Status.Allocatable.Memory().DeepCopy()
				cpu = n.Status.Allocatable.Cpu().DeepCopy()
			}
		}
		switch {
		case fit == 0:
			out = append(out, fail("minio.memoryRequest", fmt.Sprintf("%s per MinIO pod, but the largest schedulable node has %s memory allocatable (%s CPU)", m.MemoryRequest, memMax.String(), cpu.String()),
				"lower minio.memoryRequest or add larger nodes"))
		case fit < pods:
			out = append(out, warn("minio.memoryRequest", fmt.Sprintf("%s per MinIO pod fits on %d schedulable nodes, fewer than the %d pods", m.MemoryRequest, fit, pods),
				"lower minio.memoryRequest or add larger nodes"))
		default:
			out = append(out, ok("minio.memoryRequest", fmt.Sprintf("%s per MinIO pod fits on %d schedulable nodes (before other pods' requests)", m.MemoryRequest, fit)))
		}
	}
	return out
}

func zoneCounts(zones []string, perZone map[string]int) string {
	var b []string
	for _, z := range zones {
		if z == "" {
			continue
		}
		b = append(b, fmt.Sprintf("%s: %d", z, perZone[z]))
	}
	if len(b) == 0 {
		return "no node has " + ZoneLabel
	}
	return strings.Join(b, ", ")
}

// spreadLive checks the availability-zone guarantee of the even spread (see
// answers/minio_layout.go) on the cluster's AZ count: it fails when there
// are fewer AZs than needed for every pool to stay readable through one AZ's
// outage. It counts how many pods of one pool an AZ can hold, not pools
// against AZs (since the spread cannot see pools, more pools than AZs lets
// one AZ hold a whole pool, which that count reports).
func spreadLive(a *answers.Answers, azs int, counts string) []Finding {
	read, write := a.MinIOAZsNeeded(false), a.MinIOAZsNeeded(true)
	pods := a.MinIO.Zones * a.MinIO.NodesPerZone
	if read == 0 {
		return []Finding{warn("minio.spreadAcrossZones", "no number of availability zones keeps every pool readable through an AZ outage: a pool survives no lost pod",
			"use 4 or more drives per pool (see the minio.nodesPerZone field check)")}
	}
	if azs < read {
		return []Finding{fail("minio.spreadAcrossZones",
			fmt.Sprintf("%d MinIO pods spread evenly over %d availability zone(s) (%s) put up to %d pods of one pool in one AZ, more than the %d a pool survives for reads: one AZ outage can make data unreadable; that guarantee needs %d or more AZs",
				pods, azs, counts, a.MinIOPodsPerAZ(azs), a.MinIONodesTolerated(false), read),
			fmt.Sprintf("add schedulable nodes in %d or more availability zones (label topology.kubernetes.io/zone), or set minio.spreadAcrossZones false and accept that an AZ outage can stop MinIO", read))}
	}
	what := "readable but not writable"
	if write > 0 && azs >= write {
		what = "readable and writable"
	}
	return []Finding{ok("minio.spreadAcrossZones", fmt.Sprintf("%d MinIO pods spread evenly over %d availability zones (%s): an AZ outage takes up to %d pods of one pool and leaves every pool %s",
		pods, azs, counts, a.MinIOPodsPerAZ(azs), what))}
}
