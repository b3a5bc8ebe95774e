package answers

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// ReplicaComponents are the Harbor components whose replicas can be set.
var ReplicaComponents = []string{"core", "portal", "registry", "jobservice", "trivy"}

// Replicas is harbor.replicas: either one number for every component or a
// map of component to number with an optional "default".
type Replicas struct {
	Default    int `yaml:"default,omitempty"`
	Core       int `yaml:"core,omitempty"`
	Portal     int `yaml:"portal,omitempty"`
	Registry   int `yaml:"registry,omitempty"`
	Jobservice int `yaml:"jobservice,omitempty"`
	Trivy      int `yaml:"trivy,omitempty"`
}

// Uniform returns Replicas with n for every component.
func Uniform(n int) Replicas { return Replicas{Default: n} }

// Of returns the replicas of component: its own value, else default, else 1.
func (r Replicas) Of(component string) int {
	var v int
	switch component {
	case "core":
		v = r.Core
	case "portal":
		v = r.Portal
	case "registry":
		v = r.Registry
	case "jobservice":
		v = r.Jobservice
	case "trivy":
		v = r.Trivy
	}
	if v != 0 {
		return v
	}
	if r.Default != 0 {
		return r.Default
	}
	return 1
}

// Max is the largest replica count of any component.
func (r Replicas) Max() int {
	m := 0
	for _, c := range ReplicaComponents {
		m = max(m, r.Of(c))
	}
	return m
}

// UnmarshalYAML accepts a number or a component map.
func (r *Replicas) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		var v int
		if err := n.Decode(&v); err != nil {
			return fmt.Errorf("want a whole number or a map of component: number, got %q", n.Value)
		}
		*r = Replicas{Default: v}
		return nil
	case yaml.MappingNode:
		type plain Replicas
		var p plain
		if err := n.Decode(&p); err != nil {
			return err
		}
		*r = Replicas(p)
		return nil
	}
	return fmt.Errorf("want a whole number or a map of component: number")
}

// MarshalYAML writes a single number when every component is the same.
func (r Replicas) MarshalYAML() (any, error) {
	if r.Core == 0 && r.Portal == 0 && r.Registry == 0 && r.Jobservice == 0 && r.Trivy == 0 {
		return r.Of("core"), nil
	}
	type plain Replicas
	return plain(r), nil
}
