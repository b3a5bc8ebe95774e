package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/harbor-installer/harbor-installer/kube"
)

// Turning cluster lists into choices with what the admin needs to pick.

func contextOptions(cs []kube.KubeContext) []option {
	var out []option
	for _, c := range cs {
		d := c.Server
		if c.Current {
			d += " (current)"
		}
		out = append(out, option{value: c.Name, desc: d})
	}
	return out
}

func storageClassOptions(l []kube.StorageClassInfo) []option {
	var out []option
	for _, s := range l {
		parts := []string{s.Provisioner}
		if len(s.AccessModes) > 0 {
			parts = append(parts, strings.Join(s.AccessModes, ","))
		}
		if s.Default {
			parts = append(parts, "default")
		}
		out = append(out, option{value: s.Name, desc: strings.Join(parts, " · ")})
	}
	return out
}

func tlsSecretOptions(l []kube.TLSSecretInfo, now time.Time) []option {
	var out []option
	for _, s := range l {
		d := s.Problem
		if d == "" {
			d = strings.Join(s.DNSNames, ",")
			days := int(s.NotAfter.Sub(now).Hours() / 24)
			if days < 0 {
				d += " · EXPIRED " + s.NotAfter.Format("2006-01-02")
			} else {
				d += fmt.Sprintf(" · expires %s (%d days)", s.NotAfter.Format("2006-01-02"), days)
			}
		}
		out = append(out, option{value: s.Name, desc: d})
	}
	return out
}

func ingressClassOptions(l []kube.IngressClassInfo) []option {
	var out []option
	for _, c := range l {
		d := c.Controller
		if c.Default {
			d += " · default"
		}
		out = append(out, option{value: c.Name, desc: d})
	}
	return out
}
