package install

import (
	"time"

	"github.com/harbor-installer/harbor-installer/kube/model"
	"github.com/harbor-installer/harbor-installer/steps"
)

// EventType says what happened. The values are stable: they are the "type"
// field of `install --output json` (docs/events.md documents each one).
type EventType string

// Event types, in the order a run usually emits them.
const (
	// PlanStarted: the run begins; Releases lists every release in the plan.
	PlanStarted EventType = "plan.started"
	// PreflightDone: the live checks passed (Message counts warnings).
	PreflightDone EventType = "preflight.done"
	// NamespaceReady: a namespace was created (Action "created") or exists.
	NamespaceReady EventType = "namespace.ready"
	// SecretCreated, SecretReused, SecretUpdated: an installer Secret was
	// made, found unchanged, or changed (its pods roll). Never a value.
	SecretCreated EventType = "secret.created"
	SecretReused  EventType = "secret.reused"
	SecretUpdated EventType = "secret.updated"
	// ReleaseWaiting: the release waits for the releases in Needs.
	ReleaseWaiting EventType = "release.waiting"
	// ReleaseRecovering: a release left pending by a killed run is rolled
	// back to its last deployed revision, or uninstalled if it never deployed.
	ReleaseRecovering EventType = "release.recovering"
	// ReleaseStarted: Helm install or upgrade begins (Action, Revision is the
	// revision being made).
	ReleaseStarted EventType = "release.started"
	// ObjectProgress: a watched object changed (Object, State, Ready/Desired).
	ObjectProgress EventType = "object.progress"
	// ReleaseStalled: nothing progressed for a while (Blocker names why). A
	// warning first; the release fails when the stall passes --stall-after.
	ReleaseStalled EventType = "release.stalled"
	// ReleaseReady: every watched object is ready.
	ReleaseReady EventType = "release.ready"
	// ReleaseUnchanged: chart version and values equal the deployed revision;
	// no new revision was made.
	ReleaseUnchanged EventType = "release.unchanged"
	// ReleasePlanned: a dry run's server-side render of the install or
	// upgrade was accepted; nothing changed (added after the contract).
	ReleasePlanned EventType = "release.planned"
	// ReleaseFailed: the release failed (Error; Blocker when one is known).
	ReleaseFailed EventType = "release.failed"
	// ReleaseSkipped: not run because a release it needs failed or the run
	// was interrupted.
	ReleaseSkipped EventType = "release.skipped"
	// ObjectApplied: a plan object (StorageClass, TridentBackendConfig...)
	// was applied after its release.
	ObjectApplied EventType = "object.applied"
	// PlanDone: everything is installed; Summary says what and where.
	PlanDone EventType = "plan.done"
	// PlanFailed: the run stopped on a failure (Error, BundlePath).
	PlanFailed EventType = "plan.failed"
	// PlanInterrupted: Ctrl-C or SIGTERM stopped the run cleanly (Summary.
	// ResumeCommand says how to continue).
	PlanInterrupted EventType = "plan.interrupted"
	// VerifyFinding: after plan.done, one finding of the end-to-end proof
	// (harbor-installer verify's checks and day-one setup) in Finding
	// (added after the contract; install --skip-verify omits them).
	VerifyFinding EventType = "verify.finding"
)

// Action is what the engine does to a release or namespace.
type Action string

// Actions.
const (
	ActionInstall Action = "install"
	ActionUpgrade Action = "upgrade"
	ActionCreated Action = "created"
	ActionExists  Action = "exists"
)

// Event is one thing that happened during a run. Only the fields that the
// Type uses are set; JSON output omits the rest. No field ever holds a secret
// value.
type Event struct {
	Type EventType `json:"type"`
	// Time is when it happened; Elapsed is since the run started.
	Time    time.Time     `json:"time"`
	Elapsed time.Duration `json:"elapsedMs"`

	// Release is the release's name (release.*, object.*).
	Release   string `json:"release,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	// Chart and Version of the release (release.started, plan.started rows).
	Chart   string `json:"chart,omitempty"`
	Version string `json:"version,omitempty"`
	Action  Action `json:"action,omitempty"`
	// Revision is the Helm revision made, deployed or kept.
	Revision int `json:"revision,omitempty"`
	// Needs lists the releases this one waits for (release.waiting).
	Needs []string `json:"needs,omitempty"`

	// Object and its readiness (object.progress, object.applied).
	Object  *model.ObjectRef `json:"object,omitempty"`
	State   model.Readiness  `json:"state,omitempty"`
	Ready   int              `json:"ready,omitempty"`
	Desired int              `json:"desired,omitempty"`

	// Secret names an installer Secret as namespace/name (secret.*).
	Secret string `json:"secret,omitempty"`

	// Blocker names the object that holds a release back (stalled, failed).
	Blocker *model.Blocker `json:"blocker,omitempty"`
	// StalledFor is how long nothing progressed (release.stalled).
	StalledFor time.Duration `json:"stalledForMs,omitempty"`

	// Message is a human sentence; Error the failure's text (no secrets).
	Message string `json:"message,omitempty"`
	Error   string `json:"error,omitempty"`
	// BundlePath is the support bundle written on failure (plan.failed).
	BundlePath string `json:"bundlePath,omitempty"`

	// Releases lists the plan's releases in order (plan.started).
	Releases []ReleaseInfo `json:"releases,omitempty"`
	// Summary closes the run (plan.done, plan.failed, plan.interrupted).
	Summary *Summary `json:"summary,omitempty"`
	// Finding is one verify check's result (verify.finding).
	Finding *steps.Finding `json:"finding,omitempty"`
}

// ReleaseInfo is one release of the plan as plan.started lists it.
type ReleaseInfo struct {
	Name      string   `json:"name"`
	Namespace string   `json:"namespace"`
	Chart     string   `json:"chart"`
	Version   string   `json:"version"`
	Needs     []string `json:"needs,omitempty"`
}

// ReleaseOutcome is how a release ended in a run.
type ReleaseOutcome string

// Outcomes.
const (
	OutcomeReady     ReleaseOutcome = "ready"
	OutcomeUnchanged ReleaseOutcome = "unchanged"
	OutcomeFailed    ReleaseOutcome = "failed"
	OutcomeSkipped   ReleaseOutcome = "skipped"
	// OutcomePlanned: a dry run would install or upgrade it.
	OutcomePlanned ReleaseOutcome = "planned"
)

// ReleaseSummary is one release at the end of a run.
type ReleaseSummary struct {
	Name      string         `json:"name"`
	Namespace string         `json:"namespace"`
	Outcome   ReleaseOutcome `json:"outcome"`
	Revision  int            `json:"revision,omitempty"`
	Elapsed   time.Duration  `json:"elapsedMs"`
}

// Summary is what a finished, failed or interrupted run tells the admin.
type Summary struct {
	// HarborURL is externalURL.
	HarborURL string `json:"harborURL,omitempty"`
	// AdminUser and AdminPasswordCommand say how to log in: the command
	// prints the password from its Secret (the value itself never appears).
	AdminUser            string           `json:"adminUser,omitempty"`
	AdminPasswordCommand string           `json:"adminPasswordCommand,omitempty"`
	Releases             []ReleaseSummary `json:"releases"`
	// ReplayCommand installs the same answers again non-interactively.
	ReplayCommand string `json:"replayCommand,omitempty"`
	// ResumeCommand continues an interrupted or failed run.
	ResumeCommand string `json:"resumeCommand,omitempty"`
	// Cause is the failure's one-line cause (failed runs).
	Cause      string        `json:"cause,omitempty"`
	BundlePath string        `json:"bundlePath,omitempty"`
	Elapsed    time.Duration `json:"elapsedMs"`
}
