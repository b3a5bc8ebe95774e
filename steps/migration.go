package steps

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/harbor-installer/harbor-installer/answers"
)

// Migration (pull replication from the old registry) is checked with the
// Harbor step: its answers describe what Harbor is set up with after
// install, and its live check talks to the old registry the way Harbor's
// replication will.

// validateMigration checks the migration answers: an http(s) source URL,
// credentials as a pair, a schedule Harbor takes (five fields converted
// with answers.HarborCron), and rules that name valid projects.
func validateMigration(a *answers.Answers) []Finding {
	m := a.Migration
	if !m.Enabled {
		return nil
	}
	var out []Finding
	s := m.Source
	u, err := url.Parse(s.URL)
	switch {
	case s.URL == "":
		out = append(out, fail("migration.source.url", "required but empty", "give the old registry's base URL, e.g. https://old-registry.example.org"))
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		out = append(out, fail("migration.source.url", fmt.Sprintf("%q is not an http:// or https:// URL", s.URL), "write the scheme and host, e.g. https://old-registry.example.org"))
	case u.Path != "" && u.Path != "/":
		out = append(out, fail("migration.source.url", fmt.Sprintf("%q has a path", s.URL), "give only scheme, host and port; repositories are chosen by migration.rules"))
	case u.Scheme == "http" && s.Username != "":
		out = append(out, warn("migration.source.url", "http://: Harbor sends the old registry's password unencrypted", "use https://"))
	}
	if s.Name == "" {
		out = append(out, fail("migration.source.name", "required but empty", "name the registry endpoint, e.g. old-registry"))
	}
	if s.Username == "" && s.Password.Kind() != answers.SecretEmpty {
		out = append(out, fail("migration.source.username", "empty, but a password is given", "give the user the password belongs to, or remove the password for anonymous pulls"))
	}
	if s.Username != "" {
		out = append(out, checkSecret("migration.source.password", s.Password, "required")...)
	}
	out = append(out, checkFile("migration.source.caFile", s.CAFile, false)...)
	if s.Insecure {
		out = append(out, warn("migration.source.insecure", "true: Harbor accepts any certificate from the old registry", "give its CA as migration.source.caFile instead"))
	}

	if c, err := answers.HarborCron(m.Schedule); err != nil {
		out = append(out, fail("migration.schedule", err.Error(), "six fields, seconds first, e.g. '0 0 */12 * * *' (every 12 hours), or five fields minute first"))
	} else if c != strings.Join(strings.Fields(m.Schedule), " ") {
		out = append(out, ok("migration.schedule", fmt.Sprintf("%q becomes %q in Harbor's six-field form (seconds first)", m.Schedule, c)))
	}

	if len(m.Rules) == 0 {
		out = append(out, fail("migration.rules", "empty: nothing would be replicated", "add a rule, e.g. {project: team-a, filter: 'team-a/**', tag: '**'}"))
	}
	for i, r := range m.Rules {
		key := fmt.Sprintf("migration.rules[%d]", i)
		if !projectName.MatchString(r.Project) || len(r.Project) > 255 {
			out = append(out, fail(key+".project", fmt.Sprintf("%q is not a valid project name", r.Project), "use lowercase letters and digits, separated by single '.', '_' or '-'"))
		}
		if _, err := doublestarRegexp(r.Filter); err != nil {
			out = append(out, fail(key+".filter", fmt.Sprintf("%q is not a valid filter: %v", r.Filter, err), "use Harbor's doublestar syntax, e.g. team-a/** or {app,web}/*"))
		}
		if _, err := doublestarRegexp(r.Tag); err != nil {
			out = append(out, fail(key+".tag", fmt.Sprintf("%q is not a valid filter: %v", r.Tag, err), "e.g. v* or ** for all tags"))
		}
	}
	return out
}
