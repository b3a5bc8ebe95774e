package kube_test

import (
	"github.com/harbor-installer/harbor-installer/install"
	"github.com/harbor-installer/harbor-installer/kube"
)

// The engine's interfaces are satisfied structurally (kube does not import
// install); this breaks the build when they drift apart.
var _ install.Backend = (*kube.Backend)(nil)
