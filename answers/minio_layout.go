package answers

// The MinIO layout model, shared by the field checks, the live checks and
// the renderer so that all three describe the same thing.
//
// minio.zones are MinIO server pools (both charts call them zones or pools);
// availability zones (AZs) are the nodes' topology.kubernetes.io/zone. Both
// charts run all pools in one StatefulSet with one pod template, so a pod
// cannot be told apart by pool in its spec, and Kubernetes refuses two
// topology spread constraints with the same topologyKey and
// whenUnsatisfiable (ValidateSpreadConstraintNotRepeat), so one constraint
// per pool (selecting apps.kubernetes.io/pod-index) is not possible; pod
// anti-affinity per pool would make every pod repel the other pools too. The
// installer therefore spreads all MinIO pods of the release evenly (maxSkew
// 1 over topology.kubernetes.io/zone): over A AZs an AZ holds at most
// ceil(pods/A) of them, and in the worst case they all belong to one pool.

// ErasureLayout describes how MinIO lays one server pool out.
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

// MinIOPool is the layout of one of minio.zones' pools.
func (a *Answers) MinIOPool() ErasureLayout {
	return PoolLayout(a.MinIODrivesPerZone())
}

// lostPerSet is how many drives of one erasure set go with lost nodes of a
// pool: MinIO stripes each set over the pool's nodes, so a node's drives
// spread over the sets.
func lostPerSet(lostNodes, drivesPerNode, sets int) int {
	if sets < 1 {
		return lostNodes * drivesPerNode
	}
	return (lostNodes*drivesPerNode + sets - 1) / sets
}

// MinIONodesTolerated is how many pods of one pool may be down at once while
// every erasure set of the pool stays writable (write true) or readable.
func (a *Answers) MinIONodesTolerated(write bool) int {
	l := a.MinIOPool()
	if l.SetSize == 0 {
		return 0
	}
	limit := l.ReadLoss
	if write {
		limit = l.WriteLoss
	}
	n := 0
	for lost := 1; lost <= a.MinIO.NodesPerZone; lost++ {
		if lostPerSet(lost, a.MinIO.DrivesPerNode, l.Sets) > limit {
			break
		}
		n = lost
	}
	return n
}

// MinIODisruptionBudget is the PodDisruptionBudget's maxUnavailable for
// MinIO's pods: the budget selects the pods of all pools together, so every
// evicted pod may come from one pool, and it allows only what every pool
// survives for writes. 0 means one pod down already stops writes; the field
// check fails such a layout.
func (a *Answers) MinIODisruptionBudget() int {
	return a.MinIONodesTolerated(true)
}

// MinIOPodsPerAZ is the most MinIO pods (of all pools together, and so in
// the worst case of one pool) the even spread puts in one of azs
// availability zones, capped at a pool's size for the per-pool question.
func (a *Answers) MinIOPodsPerAZ(azs int) int {
	pods := a.MinIO.Zones * a.MinIO.NodesPerZone
	if azs < 1 {
		return min(pods, a.MinIO.NodesPerZone)
	}
	return min((pods+azs-1)/azs, a.MinIO.NodesPerZone)
}

// MinIOAZsNeeded is the fewest availability zones over which the even
// spread guarantees that losing any one AZ leaves every pool readable
// (write false) or writable; 0 when no number of AZs does (a pool survives
// no lost pod).
func (a *Answers) MinIOAZsNeeded(write bool) int {
	tol := a.MinIONodesTolerated(write)
	if tol < 1 {
		return 0
	}
	// tol is below the pool's size: losing every pod of a pool loses more
	// drives of each set than its parity.
	pods := a.MinIO.Zones * a.MinIO.NodesPerZone
	return (pods + tol - 1) / tol
}
