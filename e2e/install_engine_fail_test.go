//go:build e2e

package e2e

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/harness"
	"github.com/harbor-installer/harbor-installer/install"
	"github.com/harbor-installer/harbor-installer/kube"
	"github.com/harbor-installer/harbor-installer/render"
)

// TestInstallEngineStallAndResume: a registry pod whose image cannot be
// pulled fails the install within the stall window, naming the pod and its
// state, with a 0600 support bundle that holds no secret; an install
// interrupted mid-release then resumes to ready with no manual step.
func TestInstallEngineStallAndResume(t *testing.T) {
	c := harness.NewTestCluster(t, harness.ClusterOptions{PodReadyDelay: 2 * time.Second})
	repo := harness.NewTestChartRepo(t, "")
	helmEnv(t)
	ctx := context.Background()
	t.Setenv("E2E_ADMIN_PASSWORD", "adm1n-S3CRET-e2e-7781")
	file := filepath.Join(t.TempDir(), "answers.yaml")
	if err := os.WriteFile(file, []byte(`version: 1
preset: dev
cluster:
  kubeconfig: `+c.Kubeconfig+`
storage:
  storageClass: `+harness.StorageClassGP3+`
harbor:
  adminPassword: env:E2E_ADMIN_PASSWORD
charts:
  harbor: {source: `+repo.URL+`}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := answers.Load(answers.Options{File: file})
	if err != nil {
		t.Fatal(err)
	}
	build := func() *render.Plan {
		p, err := render.Build(&l.Answers)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	client, err := kube.NewForConfig(c.Config, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	b, err := kube.NewBackend(client, kube.BackendOptions{})
	if err != nil {
		t.Fatal(err)
	}
	logSink := func(e install.Event) {
		t.Logf("%7.1fs %s %s %s %s", e.Elapsed.Seconds(), e.Type, e.Release, engineRefName(e.Object), e.Error+e.Message)
	}

	t.Run("InterruptedThenResumed", func(t *testing.T) {
		plan := build()
		ictx, cancel := context.WithCancel(ctx)
		defer cancel()
		sink := func(e install.Event) {
			logSink(e)
			if e.Type == install.ReleaseStarted {
				go func() { time.Sleep(500 * time.Millisecond); cancel() }()
			}
		}
		_, err := install.New(b, install.Options{StallAfter: time.Minute, ReplayCommand: "replay"}).Run(ictx, plan, sink)
		if !errors.Is(err, install.ErrInterrupted) {
			t.Fatalf("err = %v, want interrupted", err)
		}
		st, err := b.State(ctx, "harbor", "harbor")
		if err != nil || st.Status.Pending() {
			t.Fatalf("after the interrupt the release is %+v (%v): pending left behind", st, err)
		}
		sum, err := install.New(b, install.Options{StallAfter: time.Minute}).Run(ctx, plan, logSink)
		if err != nil {
			t.Fatalf("resume: %v", err)
		}
		if o := sum.Releases[0].Outcome; o != install.OutcomeReady {
			t.Errorf("resumed release %s", o)
		}
	})

	t.Run("ImagePullStallNamed", func(t *testing.T) {
		plan := build()
		h := plan.Release("harbor").Values
		reg, _ := h["registry"].(map[string]any)
		if reg == nil {
			reg = map[string]any{}
			h["registry"] = reg
		}
		reg["podAnnotations"] = map[string]any{harness.FaultKey: harness.FaultImagePull}
		dir := t.TempDir()
		start := time.Now()
		sum, err := install.New(b, install.Options{StallAfter: 15 * time.Second, BundleDir: dir}).Run(ctx, plan, logSink)
		if !errors.Is(err, install.ErrFailed) {
			t.Fatalf("err = %v, want a failure", err)
		}
		if el := time.Since(start); el > 40*time.Second {
			t.Errorf("failed after %s, want within the stall window", el)
		}
		if !strings.Contains(sum.Cause, "harbor-registry") || !strings.Contains(strings.ToLower(sum.Cause), "imagepull") && !strings.Contains(sum.Cause, "ErrImagePull") {
			t.Errorf("cause %q does not name the registry pod and its image pull", sum.Cause)
		}
		info, err := os.Stat(sum.BundlePath)
		if err != nil || info.Mode().Perm() != 0o600 {
			t.Fatalf("bundle %s: %v %v", sum.BundlePath, err, info)
		}
		bundle, _ := os.ReadFile(sum.BundlePath)
		if strings.Contains(string(bundle), "adm1n-S3CRET-e2e-7781") || !strings.Contains(string(bundle), "harbor-registry") {
			t.Error("bundle holds the admin password or lacks the registry's evidence")
		}
	})
}
