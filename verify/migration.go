package verify

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/harborapi"
	"github.com/harbor-installer/harbor-installer/steps"
)

// replaceCount is dest_namespace_replace_count: the source repository's
// first path component (the old registry's team or user) is replaced by
// the Harbor project, so team-a/app lands as <project>/app.
const replaceCount = 1

// PolicyName is the name of the replication policy made for rule i; two
// rules into one project get -2, -3 behind the name.
func PolicyName(a *answers.Answers, i int) string {
	n := 1
	for j := 0; j < i; j++ {
		if a.Migration.Rules[j].Project == a.Migration.Rules[i].Project {
			n++
		}
	}
	name := sourceName(a) + "-to-" + a.Migration.Rules[i].Project
	if n > 1 {
		name += fmt.Sprintf("-%d", n)
	}
	return name
}

func sourceName(a *answers.Answers) string {
	if a.Migration.Source.Name != "" {
		return a.Migration.Source.Name
	}
	return "old-registry"
}

// ensureMigration makes the registry endpoint and one scheduled pull
// policy per rule; with startNow it starts each new or changed policy once
// and follows the run to its end.
func ensureMigration(ctx context.Context, a *answers.Answers, o *Options, client *harborapi.Client, c *collector) {
	m := a.Migration
	cron, err := HarborCron(m.Schedule)
	if err != nil {
		c.add(failf("migration.schedule", err.Error(), "write five fields such as '0 */12 * * *' or Harbor's six, e.g. '0 0 */12 * * *'"))
		return
	}
	cctx, cancel := context.WithTimeout(ctx, o.timeout())
	defer cancel()
	regID, f := ensureRegistry(cctx, a, client)
	c.add(f)
	if regID == 0 {
		return
	}
	type started struct {
		key, policy string
		id          int64
	}
	var runs []started
	for i, r := range m.Rules {
		key := fmt.Sprintf("migration.rules[%d]", i)
		p, err := client.Project(cctx, r.Project)
		if err == nil && p == nil {
			_, err = client.CreateProject(cctx, harborapi.ProjectReq{ProjectName: r.Project, Metadata: &harborapi.ProjectMetadata{Public: "false"}})
			if err == nil {
				c.add(okf(key+".project", "project "+r.Project+" created (private) for the replicated images"))
			}
		}
		if err != nil {
			c.add(failf(key+".project", "cannot make sure project "+r.Project+" exists: "+err.Error(), "check the project name"))
			continue
		}
		name := PolicyName(a, i)
		want := harborapi.ReplicationPolicy{
			Name: name, Description: "Pull from " + m.Source.URL + ", made by harbor-installer",
			SrcRegistry: &harborapi.RegistryRef{ID: regID}, DestNamespace: r.Project, DestNamespaceReplaceCount: ptr(replaceCount),
			Trigger: &harborapi.ReplicationTrigger{Type: "scheduled", TriggerSettings: &harborapi.ReplicationTriggerSettings{Cron: cron}},
			Filters: filters(r), Override: true, Enabled: true,
		}
		cur, err := client.PolicyByName(cctx, name)
		if err != nil {
			c.add(failf(key, "cannot read replication policy "+name+": "+err.Error(), ""))
			continue
		}
		var id int64
		switch {
		case cur == nil:
			if id, err = client.CreatePolicy(cctx, want); err != nil {
				c.add(failf(key, "cannot create replication policy "+name+": "+err.Error(), "check the rule's filters and migration.schedule"))
				continue
			}
			c.add(okf(key, fmt.Sprintf("replication policy %s created: pull %s into %s at %q", name, filterText(r), r.Project, cron)))
		case policyMatches(*cur, want):
			c.add(okf(key, fmt.Sprintf("replication policy %s already as wanted", name)))
			id = cur.ID
			if m.StartNow {
				// Start a policy that never ran; a re-run starts nothing new.
				es, err := client.Executions(cctx, id)
				if err == nil && len(es) == 0 {
					runs = append(runs, started{key, name, id})
				}
			}
			continue
		default:
			if err := client.UpdatePolicy(cctx, cur.ID, want); err != nil {
				c.add(failf(key, "cannot update replication policy "+name+": "+err.Error(), ""))
				continue
			}
			id = cur.ID
			c.add(okf(key, fmt.Sprintf("replication policy %s updated: pull %s into %s at %q", name, filterText(r), r.Project, cron)))
		}
		if m.StartNow {
			runs = append(runs, started{key, name, id})
		}
	}
	for _, r := range runs {
		c.add(followRun(ctx, o, client, r.key, r.policy, r.id, c.report))
	}
}

func ptr[T any](v T) *T { return &v }

func filters(r answers.MigrationRule) []harborapi.ReplicationFilter {
	fs := []harborapi.ReplicationFilter{}
	if r.Filter != "" {
		fs = append(fs, harborapi.ReplicationFilter{Type: "name", Value: r.Filter})
	}
	if r.Tag != "" {
		fs = append(fs, harborapi.ReplicationFilter{Type: "tag", Value: r.Tag, Decoration: "matches"})
	}
	return fs
}

func filterText(r answers.MigrationRule) string {
	s := r.Filter
	if s == "" {
		s = "every repository"
	}
	if r.Tag != "" {
		s += " (tags " + r.Tag + ")"
	}
	return s
}

// policyMatches compares what Setup sets; Harbor's own fields are ignored.
func policyMatches(cur, want harborapi.ReplicationPolicy) bool {
	if cur.SrcRegistry == nil || cur.SrcRegistry.ID != want.SrcRegistry.ID || cur.DestNamespace != want.DestNamespace ||
		cur.Enabled != want.Enabled || cur.Override != want.Override || cur.Trigger == nil || cur.Trigger.Type != want.Trigger.Type ||
		cur.Trigger.TriggerSettings == nil || cur.Trigger.TriggerSettings.Cron != want.Trigger.TriggerSettings.Cron {
		return false
	}
	if cur.DestNamespaceReplaceCount == nil || *cur.DestNamespaceReplaceCount != *want.DestNamespaceReplaceCount {
		return false
	}
	norm := func(fs []harborapi.ReplicationFilter) []string {
		var s []string
		for _, f := range fs {
			s = append(s, fmt.Sprintf("%s=%v", f.Type, f.Value))
		}
		slices.Sort(s)
		return s
	}
	return slices.Equal(norm(cur.Filters), norm(want.Filters))
}

// ensureRegistry makes the old registry's endpoint; it returns its id (0
// on failure). The password cannot be read back from Harbor, so an
// endpoint whose other fields match keeps the password it has.
func ensureRegistry(ctx context.Context, a *answers.Answers, client *harborapi.Client) (int64, steps.Finding) {
	src := a.Migration.Source
	name := sourceName(a)
	pass, err := src.Password.Resolve()
	if err != nil {
		return 0, failf("migration.source.password", fmt.Sprintf("migration.source.password (%s) cannot be read: %v", src.Password, err), "make the reference readable")
	}
	cur, err := client.RegistryByName(ctx, name)
	if err != nil {
		return 0, failf("migration.source.name", "cannot read registry endpoints: "+err.Error(), "")
	}
	if cur == nil {
		r := harborapi.Registry{Name: name, URL: src.URL, Type: src.Type, Insecure: src.Insecure, Description: "The old registry, made by harbor-installer"}
		if src.Username != "" {
			r.Credential = &harborapi.RegistryCredential{Type: "basic", AccessKey: src.Username, AccessSecret: pass}
		}
		id, err := client.CreateRegistry(ctx, r)
		if err != nil {
			return 0, failf("migration.source.url", "cannot create registry endpoint "+name+": "+err.Error(),
				"check migration.source.url and type; with a private CA, Harbor must trust it (its CA bundle) or set migration.source.insecure")
		}
		return id, okf("migration.source.url", fmt.Sprintf("registry endpoint %s created for %s", name, src.URL))
	}
	user := ""
	if cur.Credential != nil {
		user = cur.Credential.AccessKey
	}
	if cur.URL == src.URL && cur.Type == src.Type && cur.Insecure == src.Insecure && user == src.Username {
		return cur.ID, okf("migration.source.url", fmt.Sprintf("registry endpoint %s already points at %s", name, src.URL))
	}
	u := harborapi.RegistryUpdate{URL: &src.URL, Insecure: &src.Insecure, AccessKey: &src.Username, CredentialType: ptr("basic")}
	if src.Username != "" {
		u.AccessSecret = &pass
	}
	if err := client.UpdateRegistry(ctx, cur.ID, u); err != nil {
		return 0, failf("migration.source.url", "cannot update registry endpoint "+name+": "+err.Error(), "")
	}
	return cur.ID, okf("migration.source.url", fmt.Sprintf("registry endpoint %s updated to %s", name, src.URL))
}

// followRun starts one execution and reports its progress until it ends.
func followRun(ctx context.Context, o *Options, client *harborapi.Client, key, policy string, policyID int64, report func(steps.Finding)) steps.Finding {
	cctx, cancel := context.WithTimeout(ctx, o.timeout())
	id, err := client.StartExecution(cctx, policyID)
	cancel()
	if err != nil {
		return failf(key, "cannot start replication "+policy+": "+err.Error(), "start it in Harbor's UI (Replications) and read its log")
	}
	wait := o.ReplicationWait
	if wait <= 0 {
		wait = 30 * time.Minute
	}
	deadline := time.Now().Add(wait)
	lastText := ""
	for {
		cctx, cancel := context.WithTimeout(ctx, o.timeout())
		e, err := client.Execution(cctx, id)
		cancel()
		if err != nil && ctx.Err() == nil {
			return failf(key, fmt.Sprintf("cannot follow replication %s run %d: %v", policy, id, err), "follow it in Harbor's UI (Replications)")
		}
		if err == nil {
			text := fmt.Sprintf("replication %s run %d: %d of %d artifacts copied, %d failed", policy, id, e.Succeed, e.Total, e.Failed)
			if e.Done() {
				switch e.Status {
				case harborapi.ExecSucceed:
					return okf(key, text+", succeeded")
				default:
					why := e.StatusText
					if why == "" {
						why = e.Status
					}
					return failf(key, text+": "+why, "read the run's task logs in Harbor (Replications > the policy > the run); check migration.source credentials and the rule's filters")
				}
			}
			if text != lastText && e.Total > 0 && report != nil {
				report(okf(key, text+", in progress"))
			}
			lastText = text
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return warnf(key, fmt.Sprintf("replication %s run %d still running after %s: %s", policy, id, wait, lastText), "it goes on in Harbor; follow it in Replications")
		}
		select {
		case <-ctx.Done():
		case <-time.After(o.poll()):
		}
	}
}
