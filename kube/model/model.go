// Package model holds the plain data types that cross between the install
// engine (install/) and its Kubernetes and Helm backend (kube/). It imports
// neither Helm nor client-go, so the engine and its fakes stay light, and
// kube/ can implement install's interfaces without importing install.
package model

import "time"

// ObjectRef names one Kubernetes object. Namespace is empty for
// cluster-scoped objects.
type ObjectRef struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
}

// String is "Kind name", short for screens: "StatefulSet minio".
func (r ObjectRef) String() string { return r.Kind + " " + r.Name }

// FieldMatch says a field (a dotted path such as .status.phase) has a value.
type FieldMatch struct {
	Path  string `json:"path"`
	Value string `json:"value"`
}

// WatchTarget is one object whose readiness the engine waits on: a release's
// workload (status computed by kstatus), a Helm hook Job (absent after the
// release counts as complete), or a custom resource judged by field matches.
type WatchTarget struct {
	Ref ObjectRef `json:"ref"`
	// Hook marks a Helm hook Job that Helm deletes on success.
	Hook bool `json:"hook,omitempty"`
	// Ready, when set, must all hold for the object to be ready (custom
	// resources whose status kstatus cannot judge). Failed: any one fails it.
	Ready  []FieldMatch `json:"ready,omitempty"`
	Failed []FieldMatch `json:"failed,omitempty"`
	// Optional objects may never appear (a hook Job already deleted).
	Optional bool `json:"optional,omitempty"`
}

// Readiness is an object's state as the watcher computed it.
type Readiness string

// Readiness values. They follow kstatus' statuses, folded to what the engine
// acts on.
const (
	// Pending: the object does not exist yet.
	Pending Readiness = "pending"
	// InProgress: it exists and is rolling out (kstatus InProgress).
	InProgress Readiness = "in-progress"
	// Ready: rolled out, complete, or every Ready match holds (kstatus Current).
	Ready Readiness = "ready"
	// Failed: kstatus Failed, or a Failed match holds.
	Failed Readiness = "failed"
	// Gone: a hook Job that existed and was deleted (success for hooks).
	Gone Readiness = "gone"
)

// ObjectStatus is one update about a watched object.
type ObjectStatus struct {
	Ref   ObjectRef `json:"ref"`
	State Readiness `json:"state"`
	// Ready and Desired count replicas/pods for workloads (0/0 otherwise).
	Ready   int `json:"ready"`
	Desired int `json:"desired"`
	// Message is kstatus' message or the matched condition ("Available").
	Message string `json:"message,omitempty"`
	// Observed is when the backend saw this state (the informer event's time).
	Observed time.Time `json:"observed"`
	// ReadySince is the object's own timestamp of turning ready when it has
	// one (a condition's lastTransitionTime), else zero.
	ReadySince time.Time `json:"readySince,omitempty"`
}

// Blocker names why something does not progress: the object most likely to
// blame and its latest Warning event or failing condition, e.g.
// "pod harbor-registry-7c9 Pending: FailedScheduling 0/3 nodes ...".
type Blocker struct {
	Ref ObjectRef `json:"ref"`
	// Phase is the object's phase or state word (Pending, CrashLoopBackOff).
	Phase string `json:"phase,omitempty"`
	// Reason and Message come from the latest Warning event or condition.
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
	// LogTail holds the last log lines of a crashing container, if any.
	LogTail []string `json:"logTail,omitempty"`
}

// String renders the blocker in one line: "pod x Pending: Reason message".
func (b Blocker) String() string {
	s := b.Ref.Kind + " " + b.Ref.Name
	if b.Phase != "" {
		s += " " + b.Phase
	}
	if b.Reason != "" || b.Message != "" {
		s += ":"
		if b.Reason != "" {
			s += " " + b.Reason
		}
		if b.Message != "" {
			s += " " + b.Message
		}
	}
	return s
}

// ReleaseStatus is a Helm release's state as stored in the cluster.
type ReleaseStatus string

// Helm release statuses the engine acts on (Helm's own words).
const (
	ReleaseMissing         ReleaseStatus = ""
	ReleaseDeployed        ReleaseStatus = "deployed"
	ReleaseFailed          ReleaseStatus = "failed"
	ReleasePendingInstall  ReleaseStatus = "pending-install"
	ReleasePendingUpgrade  ReleaseStatus = "pending-upgrade"
	ReleasePendingRollback ReleaseStatus = "pending-rollback"
	ReleaseUninstalling    ReleaseStatus = "uninstalling"
	ReleaseSuperseded      ReleaseStatus = "superseded"
	ReleaseUninstalled     ReleaseStatus = "uninstalled"
)

// Pending reports a status left by an interrupted Helm operation.
func (s ReleaseStatus) Pending() bool {
	return s == ReleasePendingInstall || s == ReleasePendingUpgrade || s == ReleasePendingRollback
}

// ReleaseState is the latest revision of a release in the cluster.
type ReleaseState struct {
	Name      string        `json:"name"`
	Namespace string        `json:"namespace"`
	Status    ReleaseStatus `json:"status"`
	Revision  int           `json:"revision"`
	// Chart and ChartVersion of the latest revision.
	Chart        string `json:"chart"`
	ChartVersion string `json:"chartVersion"`
	AppVersion   string `json:"appVersion,omitempty"`
	// Values are the user-supplied values of the latest revision.
	Values map[string]any `json:"-"`
	// LastDeployed is the revision number of the newest deployed revision
	// (0 when the release never deployed).
	LastDeployed int       `json:"lastDeployed"`
	Updated      time.Time `json:"updated"`
}

// ChartSource says where a chart comes from: a chart Name in the classic
// repository RepoURL, an oci:// reference in Ref, or a local directory or
// .tgz path in Ref.
type ChartSource struct {
	Ref     string `json:"ref"`
	RepoURL string `json:"repoURL,omitempty"`
	Version string `json:"version,omitempty"`
	// PlainHTTP talks plain HTTP to an OCI registry (loopback tests).
	PlainHTTP bool `json:"plainHTTP,omitempty"`
}

// ReleaseSpec is what the engine asks the backend to install or upgrade.
type ReleaseSpec struct {
	Name      string         `json:"name"`
	Namespace string         `json:"namespace"`
	Chart     ChartSource    `json:"chart"`
	Values    map[string]any `json:"-"`
	// Upgrade selects action.Upgrade (true) or action.Install (false).
	Upgrade bool `json:"upgrade"`
	// Atomic rolls back on failure (opt-in; the engine collects evidence first).
	Atomic bool `json:"atomic,omitempty"`
	// DryRun renders against the cluster (server-side dry run) without change.
	DryRun bool `json:"dryRun,omitempty"`
	// Timeout bounds Helm's own operation (hooks included).
	Timeout time.Duration `json:"timeout"`
	// OnStart, if set, is called once Helm has stored the new revision
	// (pending) and before it changes any object, with the revision and the
	// objects it will apply: the engine can watch them while Helm still
	// runs hooks (a post-install hook Job can wait on the workloads, so
	// Apply itself returns late). Added after 917b877; optional.
	OnStart func(ReleaseResult) `json:"-"`
}

// ReleaseResult is what Helm did: the new revision and the objects its
// manifest holds (the engine watches their readiness itself).
type ReleaseResult struct {
	Revision int         `json:"revision"`
	Objects  []ObjectRef `json:"objects"`
	// Manifest is the rendered manifest (dry runs print it; never logged
	// otherwise: it may hold what the chart itself stores).
	Manifest string `json:"-"`
	// Hooks are the release's hook objects (Jobs Helm deletes on success:
	// watch them with WatchTarget.Hook). Added after 917b877.
	Hooks []ObjectRef `json:"hooks,omitempty"`
}

// SecretSpec is a Secret the engine applies with its own field manager.
// Data holds resolved values: never log, print or return it in errors.
type SecretSpec struct {
	Namespace   string            `json:"namespace"`
	Name        string            `json:"name"`
	Type        string            `json:"type"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Data        map[string][]byte `json:"-"`
}

// SecretState is a Secret as read back from the cluster.
type SecretState struct {
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Type        string            `json:"type"`
	Data        map[string][]byte `json:"-"`
}

// Evidence is what a support bundle holds about a namespace: events, pod
// statuses and the last log lines of failing containers. Secrets never.
type Evidence struct {
	Namespace string   `json:"namespace"`
	Events    []string `json:"events"`
	Pods      []string `json:"pods"`
	// Logs maps "pod/container" to its last lines.
	Logs map[string][]string `json:"logs,omitempty"`
}
