package install

import (
	"fmt"

	"github.com/harbor-installer/harbor-installer/render"
)

// AdminPasswordAnswer is the answer whose Secret holds Harbor's admin
// password; the summary points at that Secret, never at the value.
const AdminPasswordAnswer = "harbor.adminPassword"

// summary says where Harbor is, how to log in, and what each release is at.
func (r *run) summary() *Summary {
	s := &Summary{
		AdminUser:     r.e.o.AdminUser,
		ReplayCommand: r.e.o.ReplayCommand,
		Elapsed:       r.now().Sub(r.start),
		Releases:      []ReleaseSummary{},
	}
	s.HarborURL, s.AdminPasswordCommand = HarborAccess(r.plan)
	for _, rel := range r.plan.Releases {
		rr := r.rels[rel.Name]
		out := rr.outcome
		if out == "" {
			out = OutcomeSkipped
		}
		s.Releases = append(s.Releases, ReleaseSummary{Name: rel.Name, Namespace: rel.Namespace, Outcome: out, Revision: rr.revision, Elapsed: rr.elapsed})
	}
	return s
}

// HarborAccess returns Harbor's externalURL and the kubectl command that
// prints the admin password from its Secret.
func HarborAccess(plan *render.Plan) (url, passwordCommand string) {
	for _, rel := range plan.Releases {
		if u, ok := rel.Values["externalURL"].(string); ok && url == "" {
			url = u
		}
	}
	for _, s := range plan.Secrets {
		for _, k := range s.Keys {
			if k.From.Answer == AdminPasswordAnswer {
				return url, fmt.Sprintf("kubectl -n %s get secret %s -o jsonpath='{.data.%s}' | base64 -d", s.Namespace, s.Name, k.Key)
			}
		}
	}
	return url, ""
}
