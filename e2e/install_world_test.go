//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/harbor-installer/harbor-installer/harness"
	"github.com/harbor-installer/harbor-installer/steps/ontapfake"
)

// The install world: one simulated cluster shared by every test that runs
// `harbor-installer install` (each plan in namespaces of its own), with the
// Trident and Velero operator stand-ins, the loopback chart repository
// (HTTP and OCI), slapd for the LDAP answers and an ONTAP stand-in for the
// Trident checks. There is no ontap-nas class: the onprem-trident plan
// creates it after its Trident release, as on a cluster without Trident.
// Hook Jobs run a few seconds, so a signal can land inside Helm's
// operation.

const (
	installOntapUser = "vsadmin"
	// installJobDuration is how long a hook Job's pod runs once Ready.
	installJobDuration = 4 * time.Second
)

type installWorld struct {
	cluster  *harness.Cluster
	services *harness.Services
	repo     *harness.ChartRepo
	ontap    *ontapfake.Server
	dir      string
	// secrets are the values the tests supply (env: and file: references);
	// env is the environment that carries the env: ones.
	secrets map[string]string
	env     []string
	err     error

	mu sync.Mutex
	// transcripts are every run's stdout and stderr, and bundles every
	// support bundle written, for the search for secret values.
	transcripts []string
	bundles     []string
	// values are the secret values to search for, by value.
	values map[string]*secretValue
}

var (
	installOnce sync.Once
	iworld      installWorld
)

// theInstallWorld starts the install world on first use; TestMain stops it.
func theInstallWorld(t *testing.T) *installWorld {
	t.Helper()
	installOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		w := &iworld
		w.err = w.start(ctx, t.Logf)
	})
	if iworld.err != nil {
		t.Fatalf("install world: %v", iworld.err)
	}
	return &iworld
}

func (w *installWorld) start(ctx context.Context, logf func(string, ...any)) error {
	var err error
	if w.dir, err = os.MkdirTemp("", "install-e2e-"); err != nil {
		return err
	}
	if w.cluster, err = harness.StartCluster(ctx, harness.ClusterOptions{NoOntapNAS: true, JobDuration: installJobDuration, Logf: logf}); err != nil {
		return err
	}
	// The stand-ins live as long as the cluster, not the start.
	if err := w.cluster.StartOperators(context.Background(), harness.OperatorOptions{Trident: true, Velero: true, Delay: time.Second}); err != nil {
		return err
	}
	if w.services, err = harness.StartServices(ctx, harness.ServicesOptions{LDAP: true}); err != nil {
		return err
	}
	if w.repo, err = harness.StartChartRepo(ctx, ""); err != nil {
		return err
	}
	ontapPW := "ontap-Pw-" + randomSuffix()
	w.ontap = ontapfake.New(installOntapUser, ontapPW)
	adminPW := "admin-Pw-" + randomSuffix()
	w.secrets = map[string]string{
		"TRIDENT_ONTAP_PASSWORD":  ontapPW,
		"E2E_INSTALL_ADMIN_PW":    adminPW,
		"ldap-bind-password file": w.services.LDAP.BindPassword,
	}
	if err := os.WriteFile(w.ldapPasswordFile(), []byte(w.services.LDAP.BindPassword+"\n"), 0o600); err != nil {
		return err
	}
	// Helm's caches and the kubeconfig stay inside the test's directory.
	w.env = []string{
		"TRIDENT_ONTAP_PASSWORD=" + ontapPW,
		"E2E_INSTALL_ADMIN_PW=" + adminPW,
		"KUBECONFIG=" + w.cluster.Kubeconfig,
		"HELM_CACHE_HOME=" + filepath.Join(w.dir, "helm-cache"),
		"HELM_CONFIG_HOME=" + filepath.Join(w.dir, "helm-config"),
		"HELM_DATA_HOME=" + filepath.Join(w.dir, "helm-data"),
		"HELM_REPOSITORY_CONFIG=" + filepath.Join(w.dir, "helm-config", "repositories.yaml"),
		"HELM_REGISTRY_CONFIG=" + filepath.Join(w.dir, "helm-config", "registry.json"),
		// A mirror left in the developer's environment must not leak in.
		"HARBOR_INSTALLER_CHART_MIRROR=",
	}
	return nil
}

func (w *installWorld) stop() {
	if w.ontap != nil {
		w.ontap.Close()
	}
	if w.repo != nil {
		w.repo.Stop()
	}
	if w.services != nil {
		w.services.Stop()
	}
	if w.cluster != nil {
		w.cluster.Stop()
	}
	if w.dir != "" {
		os.RemoveAll(w.dir)
	}
}

func stopInstallWorld() { iworld.stop() }

func (w *installWorld) ldapPasswordFile() string { return filepath.Join(w.dir, "ldap-bind-password") }

// httpCharts points every chart at the classic repository.
func (w *installWorld) httpCharts() string {
	u := w.repo.URL
	return fmt.Sprintf(`charts:
  harbor: {source: %[1]s, name: harbor, version: 1.19.1}
  minio: {source: %[1]s, name: minio, version: 5.4.0}
  trident: {source: %[1]s, name: trident-operator, version: 100.2606.0}
  velero: {source: %[1]s, name: velero, version: 12.1.0}
`, u)
}

// eksMinio is the eks-minio preset as a user fills it in, with the admin
// password supplied by an env: reference; ns prefixes its namespaces.
func (w *installWorld) eksMinio(ns string) string {
	return fmt.Sprintf(`version: 1
preset: eks-minio
cluster:
  kubeconfig: %s
harbor:
  domain: registry.test
  namespace: %[2]s-harbor
  adminPassword: env:E2E_INSTALL_ADMIN_PW
minio:
  namespace: %[2]s-minio
backup:
  namespace: %[2]s-velero
`, w.cluster.Kubeconfig, ns)
}

// onpremTrident is the onprem-trident preset filled in against the ONTAP
// stand-in and slapd (the bind password from a file: reference). Trident
// is one per cluster (its stand-in's controller outlives an uninstall), so
// every onprem plan shares the trident namespace.
func (w *installWorld) onpremTrident(ns string) string {
	s := w.services
	return fmt.Sprintf(`version: 1
preset: onprem-trident
cluster:
  kubeconfig: %[1]s
harbor:
  domain: harbor.onprem.test
  namespace: %[2]s-harbor
tls:
  caFile: %[3]s
storage:
  trident:
    namespace: trident
    managementLIF: "%[4]s"
    dataLIF: 127.0.0.1
    svm: svm0
    username: %[5]s
ldap:
  url: %[6]s
  caFile: %[3]s
  bindDN: %[7]s
  bindPassword: file:%[8]s
  baseDN: %[9]s
  filter: "(objectClass=inetOrgPerson)"
  groupBaseDN: %[10]s
  groupAdminDN: %[11]s
  testUser: %[12]s
`, w.cluster.Kubeconfig, ns, s.CA.CertFile, w.ontap.LIF(), installOntapUser, s.LDAP.LDAPSURL, s.LDAP.BindDN,
		w.ldapPasswordFile(), s.LDAP.BaseDN, harness.LDAPGroupsDN, harness.LDAPAdminGroupDN, harness.LDAPUserAlice)
}

// tlsSecret creates the onprem plan's TLS Secret for its domain.
func (w *installWorld) tlsSecret(t *testing.T, namespace string) {
	t.Helper()
	if err := w.cluster.CreateTLSSecret(context.Background(), w.services.CA, namespace, "harbor-tls", "harbor.onprem.test"); err != nil {
		t.Fatal(err)
	}
}

// writeAnswers writes an answers file into the world's directory.
func (w *installWorld) writeAnswers(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(w.dir, name+".yaml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// event is one line of `install --output json`.
type event struct {
	Type      string `json:"type"`
	Release   string `json:"release"`
	Namespace string `json:"namespace"`
	Action    string `json:"action"`
	Revision  int    `json:"revision"`
	Object    *struct {
		Kind, Namespace, Name string
	} `json:"object"`
	State      string `json:"state"`
	Ready      int    `json:"ready"`
	Desired    int    `json:"desired"`
	Message    string `json:"message"`
	Error      string `json:"error"`
	BundlePath string `json:"bundlePath"`
	Elapsed    int64  `json:"elapsedMs"`
	Blocker    *struct {
		Ref struct {
			Kind, Namespace, Name string
		} `json:"ref"`
		Phase, Reason, Message string
	} `json:"blocker"`
	Summary *struct {
		Releases []struct {
			Name, Namespace, Outcome string
			Revision                 int
		} `json:"releases"`
		BundlePath string `json:"bundlePath"`
	} `json:"summary"`
	Finding *struct {
		Key, Level, Seen, Hint string
	} `json:"finding"`
}

// installRun is a finished run of the binary.
type installRun struct {
	code           int
	stdout, stderr string
	events         []event
	wall           time.Duration
}

func (r installRun) of(typ string) []event {
	var out []event
	for _, e := range r.events {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

func (r installRun) String() string {
	return fmt.Sprintf("exit %d after %s\nstdout:\n%s\nstderr:\n%s", r.code, r.wall.Round(time.Millisecond), r.stdout, r.stderr)
}

// runBinary runs harbor-installer with the world's environment (plus env)
// and no terminal, records its output for the secret search, and parses
// JSON events when stdout has them. signal, when set, is called with the
// process and each event as it arrives (to interrupt it mid-release).
func (w *installWorld) runBinary(t *testing.T, env []string, onEvent func(p *os.Process, e event), args ...string) installRun {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(append(os.Environ(), w.env...), env...)
	cmd.Stdin = strings.NewReader("")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var res installRun
	var all strings.Builder
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		all.WriteString(line + "\n")
		if strings.HasPrefix(line, "{") {
			var e event
			if json.Unmarshal([]byte(line), &e) == nil {
				res.events = append(res.events, e)
				if onEvent != nil {
					onEvent(cmd.Process, e)
				}
			}
		}
	}
	_, _ = io.Copy(io.Discard, out)
	err = cmd.Wait()
	res.wall = time.Since(start)
	if ee, ok := err.(*exec.ExitError); ok {
		res.code = ee.ExitCode()
		if st, ok := ee.Sys().(syscall.WaitStatus); ok && st.Signaled() {
			res.code = 128 + int(st.Signal())
		}
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	res.stdout, res.stderr = all.String(), errb.String()
	w.mu.Lock()
	w.transcripts = append(w.transcripts, res.stdout, res.stderr)
	for _, e := range res.events {
		if e.BundlePath != "" {
			w.bundles = append(w.bundles, e.BundlePath)
		}
	}
	w.mu.Unlock()
	return res
}

// install runs `install --answers F --yes --output json` with extra args.
func (w *installWorld) install(t *testing.T, env []string, answersFile string, extra ...string) installRun {
	t.Helper()
	args := append([]string{"install", "--answers", answersFile, "--yes", "--output", "json", "--bundle-dir", w.dir}, extra...)
	return w.runBinary(t, env, nil, args...)
}

// wantInstalled checks a run installed (or kept) every release and saw
// each watched workload ready.
func wantInstalled(t *testing.T, r installRun, releases ...string) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("install failed: %s", r)
	}
	done := r.of("plan.done")
	if len(done) != 1 || done[0].Summary == nil {
		t.Fatalf("no plan.done with a summary: %s", r)
	}
	outcomes := map[string]string{}
	for _, rs := range done[0].Summary.Releases {
		outcomes[rs.Name] = rs.Outcome
	}
	for _, name := range releases {
		if o := outcomes[name]; o != "ready" && o != "unchanged" {
			t.Errorf("release %s ended %q", name, o)
		}
	}
	if len(outcomes) != len(releases) {
		t.Errorf("releases %v, want %v", outcomes, releases)
	}
	wantNotVerified(t, r)
	// The last report of each workload is ready, desired replicas met.
	last := map[string]event{}
	for _, e := range r.of("object.progress") {
		last[e.Object.Kind+" "+e.Object.Namespace+"/"+e.Object.Name] = e
	}
	workloads := 0
	for k, e := range last {
		switch e.Object.Kind {
		case "Deployment", "StatefulSet", "DaemonSet":
			workloads++
			if e.State != "ready" || e.Ready != e.Desired || e.Desired == 0 {
				t.Errorf("%s last reported %s %d/%d", k, e.State, e.Ready, e.Desired)
			}
		}
	}
	if workloads == 0 {
		t.Errorf("no workload progress in the event stream")
	}
}

// wantNotVerified checks that after plan.done the run said plainly that
// Harbor was not verified on this simulated cluster (kwok nodes run no
// containers), as a warning, and nothing else.
func wantNotVerified(t *testing.T, r installRun) {
	t.Helper()
	fs := r.of("verify.finding")
	if len(fs) != 1 || fs[0].Finding == nil || fs[0].Finding.Level != "warn" ||
		fs[0].Finding.Seen != "Harbor was not verified end to end: simulated cluster (no containers run)" {
		t.Errorf("want one verify.finding warning that Harbor was not verified, got %d: %s", len(fs), r)
		return
	}
	if last := r.events[len(r.events)-1]; last.Type != "verify.finding" {
		t.Errorf("the finding is not after plan.done: last event %s", last.Type)
	}
}

// wantUnchanged checks a rerun made no revision.
func wantUnchanged(t *testing.T, r installRun, releases ...string) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("rerun failed: %s", r)
	}
	if n := len(r.of("release.started")); n != 0 {
		t.Errorf("rerun started %d releases", n)
	}
	got := map[string]bool{}
	for _, e := range r.of("release.unchanged") {
		got[e.Release] = true
	}
	for _, name := range releases {
		if !got[name] {
			t.Errorf("rerun: release %s not reported unchanged: %s", name, r)
		}
	}
}

func randomSuffix() string {
	return fmt.Sprintf("%x", time.Now().UnixNano())[4:]
}
