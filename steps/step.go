// Package steps holds the installer's steps (cluster, domain, tls, ingress,
// storage, minio, ldap, harbor, backup). Each step owns its answer keys, its
// pure field checks and its live checks against the real systems. The wizard
// and the non-interactive commands run the same checks; nothing here knows
// about terminals.
package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/harbor-installer/harbor-installer/answers"
)

// Level is how serious a finding is.
type Level int

// Finding levels, in increasing severity.
const (
	OK Level = iota
	Warn
	Fail
)

func (l Level) String() string {
	switch l {
	case OK:
		return "ok"
	case Warn:
		return "warn"
	}
	return "fail"
}

// MarshalText writes the level as ok, warn or fail.
func (l Level) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText reads what MarshalText writes, so findings inside install
// events (verify.finding) decode again.
func (l *Level) UnmarshalText(b []byte) error {
	switch string(b) {
	case "ok":
		*l = OK
	case "warn":
		*l = Warn
	case "fail":
		*l = Fail
	default:
		return fmt.Errorf("level %q: want ok, warn or fail", b)
	}
	return nil
}

// Finding is one check's result about one answer key.
type Finding struct {
	Step  string `json:"step"`
	Key   string `json:"key"`
	Level Level  `json:"level"`
	// Seen says what the check saw, in words an admin understands.
	Seen string `json:"seen"`
	// Hint says how to fix it; empty for ok findings.
	Hint string `json:"hint,omitempty"`
	// Live marks findings of checks that talked to a real system.
	Live bool `json:"live"`
}

func (f Finding) String() string {
	s := fmt.Sprintf("%-4s %s: %s", f.Level, f.Key, f.Seen)
	if f.Hint != "" {
		s += " — " + f.Hint
	}
	return s
}

// Step is one stage of the wizard and of validation.
type Step struct {
	// Name is the step's id (cluster, domain, ...).
	Name string
	// Title is shown to the admin.
	Title string
	// Keys are the answer key prefixes the step owns, for the wizard's forms.
	Keys []string
	// Validate runs pure, fast field checks: no network, no files beyond
	// what answers reference locally.
	Validate func(a *answers.Answers) []Finding
	// Check runs live checks against real systems; nil when the step has none.
	// Each network operation must respect ctx and Env.Timeout.
	Check func(ctx context.Context, a *answers.Answers, env *Env) []Finding
}

// All lists the steps in wizard order.
func All() []Step {
	return []Step{
		clusterStep(), domainStep(), tlsStep(), ingressStep(), storageStep(),
		withLive(minioStep(), minioSecretsLive), ldapStep(), withLive(harborStep(), migrationLive), backupStep(),
	}
}

// withLive adds more live checks to a step's own, run side by side; it lets
// a check live in its own file without editing the step's.
func withLive(s Step, more ...func(context.Context, *answers.Answers, *Env) []Finding) Step {
	checks := append([]func(context.Context, *answers.Answers, *Env) []Finding{s.Check}, more...)
	s.Check = func(ctx context.Context, a *answers.Answers, env *Env) []Finding {
		fns := make([]func() []Finding, 0, len(checks))
		for _, c := range checks {
			if c != nil {
				fns = append(fns, func() []Finding { return c(ctx, a, env) })
			}
		}
		return Parallel(fns...)
	}
	return s
}

// Env carries what live checks need from the outside world. Fields are
// small interfaces so tests can hand in real servers on loopback or narrow
// fakes for systems that cannot run here (ONTAP, AWS).
type Env struct {
	// Timeout bounds every single network operation.
	Timeout time.Duration
	// Cluster probes the Kubernetes cluster; nil when it could not be reached.
	Cluster ClusterProber
	// ClusterErr says why Cluster is nil.
	ClusterErr error
	// Resolver looks up DNS names.
	Resolver Resolver
}

// Resolver looks up host addresses (net.DefaultResolver fits).
type Resolver interface {
	LookupHost(ctx context.Context, host string) ([]string, error)
}

// FieldFindings runs every step's field checks.
func FieldFindings(a *answers.Answers) []Finding {
	var out []Finding
	for _, s := range All() {
		for _, f := range s.Validate(a) {
			f.Step = s.Name
			out = append(out, f)
		}
	}
	return out
}

// LiveFindings runs every step's live checks; steps run concurrently and
// each step's own checks run concurrently inside it.
func LiveFindings(ctx context.Context, a *answers.Answers, env *Env) []Finding {
	var checks []func() []Finding
	for _, s := range All() {
		if s.Check == nil {
			continue
		}
		checks = append(checks, func() []Finding {
			fs := s.Check(ctx, a, env)
			for j := range fs {
				fs[j].Step = s.Name
				fs[j].Live = true
			}
			return fs
		})
	}
	return Parallel(checks...)
}

// Parallel runs checks concurrently and joins their findings in order.
func Parallel(fns ...func() []Finding) []Finding {
	results := make([][]Finding, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Add(1)
		go func(i int, fn func() []Finding) {
			defer wg.Done()
			results[i] = fn()
		}(i, fn)
	}
	wg.Wait()
	var out []Finding
	for _, r := range results {
		out = append(out, r...)
	}
	return out
}

// Worst is the highest level among findings (OK for none).
func Worst(fs []Finding) Level {
	w := OK
	for _, f := range fs {
		w = max(w, f.Level)
	}
	return w
}

// Only returns findings at or above level.
func Only(fs []Finding, level Level) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Level >= level {
			out = append(out, f)
		}
	}
	return out
}

// SortByStep orders findings by wizard step order, keeping the order within a step.
func SortByStep(fs []Finding) {
	order := map[string]int{}
	for i, s := range All() {
		order[s.Name] = i
	}
	sort.SliceStable(fs, func(i, j int) bool { return order[fs[i].Step] < order[fs[j].Step] })
}

// JSON renders findings as a JSON array.
func JSON(fs []Finding) ([]byte, error) {
	if fs == nil {
		fs = []Finding{}
	}
	return json.MarshalIndent(fs, "", "  ")
}

// helpers for building findings

func ok(key, seen string) Finding { return Finding{Key: key, Level: OK, Seen: seen} }
func warn(key, seen, hint string) Finding {
	return Finding{Key: key, Level: Warn, Seen: seen, Hint: hint}
}
func fail(key, seen, hint string) Finding {
	return Finding{Key: key, Level: Fail, Seen: seen, Hint: hint}
}

func quoteList(xs []string) string { return strings.Join(xs, ", ") }
