package steps

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/harbor-installer/harbor-installer/answers"
)

// MinIO refuses a secret key (and a root password) shorter than 8 or
// longer than 40 characters: the server does not start, or the chart's
// setup job cannot add the user, long after validate said ok.
const (
	minioSecretMin = 8
	minioSecretMax = 40
)

// minioSecretsLive resolves MinIO's root password and Harbor's secret key
// when they are given by reference and checks their length; the values
// themselves never reach a finding (only their length does). Empty
// references are generated at install with 40 characters, which complies.
func minioSecretsLive(_ context.Context, a *answers.Answers, _ *Env) []Finding {
	if !a.MinIO.Enabled {
		return nil
	}
	var out []Finding
	for _, s := range []struct {
		key string
		ref answers.SecretRef
	}{{"minio.rootPassword", a.MinIO.RootPassword}, {"minio.harborSecretKey", a.MinIO.HarborSecretKey}} {
		if s.ref.Kind() == answers.SecretEmpty {
			continue
		}
		v, err := resolveSecret(s.ref)
		if err != nil {
			out = append(out, fail(s.key, err.Error(), "export the variable or fix the file reference"))
			continue
		}
		if n := utf8.RuneCountInString(v); n < minioSecretMin || n > minioSecretMax {
			out = append(out, fail(s.key, fmt.Sprintf("%s holds %d characters; MinIO takes %d to %d", s.ref, n, minioSecretMin, minioSecretMax),
				fmt.Sprintf("give a value of %d to %d characters, or leave %s empty to have one generated", minioSecretMin, minioSecretMax, s.key)))
			continue
		}
		out = append(out, ok(s.key, fmt.Sprintf("%s holds a value of a length MinIO accepts (%d to %d characters)", s.ref, minioSecretMin, minioSecretMax)))
	}
	return out
}
