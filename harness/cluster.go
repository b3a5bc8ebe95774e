package harness

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Versions of the control plane and of kwok that the cluster runs. They are
// pinned in hack/testworld/go.mod (a test keeps these in step), and
// hack/build-tools.sh (`make tools`) builds them into one cached binary.
const (
	KubeVersion = "v1.37.0"
	KwokVersion = "v0.8.0"
	EtcdVersion = "v3.7.0"
)

// ClusterOptions shape the simulated cluster. The zero value gives three
// zones (zone-a, zone-b, zone-c) with two nodes each, the StorageClasses
// ontap-nas and gp3 with their CSIDrivers, and the IngressClasses nginx and
// alb, none of them default.
type ClusterOptions struct {
	// Zones are the values of topology.kubernetes.io/zone; default zone-a,
	// zone-b, zone-c.
	Zones []string
	// NodesPerZone is the number of fake nodes in each zone; default 2.
	NodesPerZone int
	// NodeCPU, NodeMemory and NodePods are each node's capacity and
	// allocatable; defaults "8", "32Gi", "110".
	NodeCPU, NodeMemory, NodePods string

	// NoOntapNAS leaves out StorageClass ontap-nas and CSIDriver
	// csi.trident.netapp.io (a cluster without Trident).
	NoOntapNAS bool
	// NoGP3 leaves out StorageClass gp3 and CSIDriver ebs.csi.aws.com.
	NoGP3 bool
	// NoNginx leaves out IngressClass nginx.
	NoNginx bool
	// NoALB leaves out IngressClass alb.
	NoALB bool
	// DefaultStorageClass, if set, marks that class as the cluster default.
	DefaultStorageClass string
	// DefaultIngressClass, if set, marks that IngressClass as the default.
	DefaultIngressClass string

	// NoProvisioner leaves the volume provisioner out: every claim stays
	// Pending, like on a cluster whose CSI driver is broken.
	NoProvisioner bool

	// PodStartDelay is how long a scheduled pod stays Pending before its
	// containers run; PodReadyDelay how long running containers take to turn
	// Ready; JobDuration how long a Job's pod runs once Ready. Each gets a
	// uniformly random extra of up to PodJitter. All default to 0: pods turn
	// Ready within a second. A pod's annotation
	// harness.harbor-installer.dev/ready-delay overrides PodReadyDelay.
	PodStartDelay, PodReadyDelay, JobDuration, PodJitter time.Duration

	// Users adds bearer-token users (name to groups) beside the admin, for
	// tests of RBAC checks; KubeconfigFor writes a kubeconfig for one.
	Users map[string][]string

	// StartTimeout bounds the start; default 2 minutes.
	StartTimeout time.Duration
	// Logf, if set, receives progress lines (t.Logf fits).
	Logf func(format string, args ...any)
}

func (o *ClusterOptions) setDefaults() {
	if len(o.Zones) == 0 {
		o.Zones = []string{"zone-a", "zone-b", "zone-c"}
	}
	if o.NodesPerZone <= 0 {
		o.NodesPerZone = 2
	}
	if o.NodeCPU == "" {
		o.NodeCPU = "8"
	}
	if o.NodeMemory == "" {
		o.NodeMemory = "32Gi"
	}
	if o.NodePods == "" {
		o.NodePods = "110"
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = 2 * time.Minute
	}
	if o.Logf == nil {
		o.Logf = func(string, ...any) {}
	}
}

// Cluster is a running simulated cluster: a real control plane on loopback
// whose nodes are played by kwok.
type Cluster struct {
	// Dir is the run directory: certificates, kubeconfigs, process logs.
	Dir string
	// Kubeconfig is the path of an admin kubeconfig (user admin, group
	// system:masters).
	Kubeconfig string
	// Server is the API server URL, https://127.0.0.1:<port>.
	Server string
	// Config is the admin REST config.
	Config *rest.Config
	// Client is an admin clientset.
	Client kubernetes.Interface
	// Dynamic is an admin dynamic client.
	Dynamic dynamic.Interface
	// Nodes are the names of the fake nodes, NodeZones their zones.
	Nodes     []string
	NodeZones map[string]string

	opts    ClusterOptions
	caPEM   []byte
	tokens  map[string]string
	shmDir  string
	procs   []*Proc
	ports   []int
	ctx     context.Context
	cancel  context.CancelFunc
	bg      sync.WaitGroup
	mu      sync.Mutex
	stopped bool
	stopper Stopper
}

// StartCluster starts etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and kwok on free loopback ports, creates the simulated world
// (nodes, storage and ingress classes, CSI drivers) and the volume
// provisioner, and returns once the API server is ready, the nodes are Ready
// and the service-account controller works. Stop ends it all.
func StartCluster(ctx context.Context, opts ClusterOptions) (c *Cluster, err error) {
	opts.setDefaults()
	bins, err := clusterBinaries()
	if err != nil {
		return nil, err
	}
	dir, err := NewRunDir()
	if err != nil {
		return nil, err
	}
	bgctx, cancel := context.WithCancel(context.Background())
	c = &Cluster{Dir: dir, opts: opts, tokens: map[string]string{}, NodeZones: map[string]string{}, ctx: bgctx, cancel: cancel}
	defer func() {
		if err != nil {
			tails := c.logTails(1500)
			c.Stop()
			err = fmt.Errorf("%w%s", err, tails)
		}
	}()
	ctx, cancelStart := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancelStart()
	start := time.Now()

	pki, err := makeClusterPKI(dir)
	if err != nil {
		return c, fmt.Errorf("cluster certificates: %w", err)
	}
	c.caPEM = pki.CAPEM
	if err := c.writeTokens(); err != nil {
		return c, err
	}

	// etcd keeps its data on tmpfs when there is one: fsync there is free.
	etcdData := filepath.Join(dir, "etcd")
	if st, e := os.Stat("/dev/shm"); e == nil && st.IsDir() {
		sweepStaleRunDirsIn("/dev/shm")
		if d, e := os.MkdirTemp("/dev/shm", runDirPrefix+strconv.Itoa(os.Getpid())+"-"); e == nil {
			c.shmDir = d
			etcdData = filepath.Join(d, "etcd")
		}
	}
	etcd, eports, err := c.startServing(ctx, "etcd", bins["etcd"], 2, func(p []int) []string {
		client, peer := fmt.Sprintf("http://127.0.0.1:%d", p[0]), fmt.Sprintf("http://127.0.0.1:%d", p[1])
		return []string{"--name", "harness", "--data-dir", etcdData,
			"--listen-client-urls", client, "--advertise-client-urls", client,
			"--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
			"--initial-cluster", "harness=" + peer, "--log-level", "warn", "--logger", "zap"}
	})
	if err != nil {
		return c, err
	}
	_ = etcd

	_, aports, err := c.startServing(ctx, "kube-apiserver", bins["kube-apiserver"], 1, func(p []int) []string {
		return []string{
			"--etcd-servers", fmt.Sprintf("http://127.0.0.1:%d", eports[0]),
			"--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1",
			"--secure-port", strconv.Itoa(p[0]),
			"--cert-dir", filepath.Join(dir, "apiserver-certs"),
			"--tls-cert-file", pki.ServingCert, "--tls-private-key-file", pki.ServingKey,
			"--client-ca-file", pki.CAFile,
			"--service-account-issuer", "https://kubernetes.default.svc",
			"--service-account-key-file", pki.SAPub,
			"--service-account-signing-key-file", pki.SAKey,
			"--service-cluster-ip-range", "10.96.0.0/16",
			"--token-auth-file", filepath.Join(dir, "tokens.csv"),
			"--authorization-mode", "RBAC",
			"--allow-privileged=true",
			"--profiling=false",
			"--event-ttl", "1h",
			// The kubernetes Service cannot point at a loopback address.
			"--endpoint-reconciler-type", "none",
		}
	})
	if err != nil {
		return c, err
	}
	c.Server = fmt.Sprintf("https://127.0.0.1:%d", aports[0])
	c.Kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := c.writeKubeconfig(c.Kubeconfig, "admin"); err != nil {
		return c, err
	}
	c.Config = c.restConfig("admin")
	if c.Client, err = kubernetes.NewForConfig(c.Config); err != nil {
		return c, err
	}
	if c.Dynamic, err = dynamic.NewForConfig(c.Config); err != nil {
		return c, err
	}
	if err := c.waitReadyz(ctx); err != nil {
		return c, err
	}
	opts.Logf("harness: kube-apiserver ready at %s after %s", c.Server, time.Since(start).Round(time.Millisecond))

	for _, comp := range []string{"kube-controller-manager", "kube-scheduler"} {
		kc := filepath.Join(dir, comp+".kubeconfig")
		if err := c.writeKubeconfig(kc, "system:"+comp); err != nil {
			return c, err
		}
		_, _, err := c.startServing(ctx, comp, bins[comp], 1, func(p []int) []string {
			args := []string{"--kubeconfig", kc, "--authentication-kubeconfig", kc, "--authorization-kubeconfig", kc,
				"--bind-address", "127.0.0.1", "--secure-port", strconv.Itoa(p[0]),
				"--cert-dir", filepath.Join(dir, comp+"-certs"), "--leader-elect=false"}
			if comp == "kube-controller-manager" {
				args = append(args,
					"--service-account-private-key-file", pki.SAKey,
					"--root-ca-file", pki.CAFile,
					"--cluster-signing-cert-file", pki.CAFile, "--cluster-signing-key-file", pki.CAKeyFile,
					"--use-service-account-credentials=false",
					// Kubernetes 1.37 has no cloud controllers in kube-controller-manager;
					// node IPAM and lifecycle would fight kwok over the fake nodes.
					"--controllers", "*,-nodeipam,-nodelifecycle")
			}
			return args
		})
		if err != nil {
			return c, err
		}
	}

	kwokKC := filepath.Join(dir, "kwok.kubeconfig")
	if err := c.writeKubeconfig(kwokKC, "system:kwok"); err != nil {
		return c, err
	}
	kwokCfg := filepath.Join(dir, "kwok.yaml")
	if err := os.WriteFile(kwokCfg, []byte(kwokStages(opts)), 0o600); err != nil {
		return c, err
	}
	kwok, err := StartProc(dir, "kwok", bins["kwok"], []string{
		"--config=" + kwokCfg, "--kubeconfig=" + kwokKC,
		"--manage-all-nodes=false", "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
		"--manage-nodes-with-label-selector=", "--manage-single-node=",
		"--cidr=10.0.0.1/24", "--node-ip=10.0.0.1", "--node-lease-duration-seconds=40",
	}, nil)
	if err != nil {
		return c, err
	}
	c.addProc(kwok)

	if err := c.createWorld(ctx); err != nil {
		return c, err
	}
	c.startProvisioner()
	if err := c.waitWorld(ctx); err != nil {
		return c, err
	}
	opts.Logf("harness: cluster with %d nodes ready after %s (dir %s)", len(c.Nodes), time.Since(start).Round(time.Millisecond), dir)
	return c, nil
}

// NewTestCluster starts a cluster for t, fails t if it cannot, and stops the
// cluster when t ends; a failed test logs the tails of the process logs.
func NewTestCluster(t testing.TB, opts ClusterOptions) *Cluster {
	t.Helper()
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	ctx := context.Background()
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if dl, ok := d.Deadline(); ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithDeadline(ctx, dl)
			defer cancel()
		}
	}
	c, err := StartCluster(ctx, opts)
	if err != nil {
		t.Fatalf("start cluster: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("harness: cluster logs (dir %s):%s", c.Dir, c.logTails(3000))
		}
		c.Stop()
	})
	return c
}

// clusterBinaries finds the built binaries in the cache.
func clusterBinaries() (map[string]string, error) {
	bins := map[string]string{}
	var missing []string
	for n, v := range map[string]string{
		"etcd":                    EtcdVersion,
		"kube-apiserver":          KubeVersion,
		"kube-controller-manager": KubeVersion,
		"kube-scheduler":          KubeVersion,
		"kwok":                    KwokVersion,
	} {
		p, err := ToolPath(n, v)
		if err != nil {
			missing = append(missing, err.Error())
		}
		bins[n] = p
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		return nil, errors.New(strings.Join(missing, "; "))
	}
	return bins, nil
}

func (c *Cluster) addProc(p *Proc, ports ...int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.procs = append(c.procs, p)
	c.ports = append(c.ports, ports...)
}

// startServing starts a process that listens on nports fresh loopback ports
// (the first is waited on), retrying with new ports when it lost a race for
// one.
func (c *Cluster) startServing(ctx context.Context, name, bin string, nports int, args func([]int) []string) (*Proc, []int, error) {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		ports := make([]int, nports)
		for i := range ports {
			p, err := FreePort()
			if err != nil {
				return nil, nil, err
			}
			ports[i] = p
		}
		p, err := StartProc(c.Dir, name, bin, args(ports), nil)
		if err != nil {
			return nil, nil, err
		}
		err = p.WaitTCP(ctx, fmt.Sprintf("127.0.0.1:%d", ports[0]))
		if err == nil {
			c.addProc(p, ports...)
			return p, ports, nil
		}
		p.Stop(2 * time.Second)
		lastErr = err
		if !strings.Contains(p.LogTail(4000), "address already in use") {
			break
		}
	}
	return nil, nil, lastErr
}

func (c *Cluster) writeTokens() error {
	var b strings.Builder
	add := func(user string, groups []string) {
		tok := randomToken()
		c.tokens[user] = tok
		fmt.Fprintf(&b, "%s,%s,%s,\"%s\"\n", tok, user, user, strings.Join(groups, ","))
	}
	add("admin", []string{"system:masters"})
	// The components run with full rights: the harness is not about their RBAC.
	for _, u := range []string{"system:kube-controller-manager", "system:kube-scheduler", "system:kwok"} {
		add(u, []string{"system:masters"})
	}
	users := make([]string, 0, len(c.opts.Users))
	for u := range c.opts.Users {
		users = append(users, u)
	}
	sort.Strings(users)
	for _, u := range users {
		if _, dup := c.tokens[u]; dup {
			return fmt.Errorf("user %q is reserved by the harness", u)
		}
		add(u, c.opts.Users[u])
	}
	return os.WriteFile(filepath.Join(c.Dir, "tokens.csv"), []byte(b.String()), 0o600)
}

func (c *Cluster) writeKubeconfig(path, user string) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["harness"] = &clientcmdapi.Cluster{Server: c.Server, CertificateAuthorityData: c.caPEM}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{Token: c.tokens[user]}
	cfg.Contexts["harness"] = &clientcmdapi.Context{Cluster: "harness", AuthInfo: user, Namespace: "default"}
	cfg.CurrentContext = "harness"
	return clientcmd.WriteToFile(*cfg, path)
}

func (c *Cluster) restConfig(user string) *rest.Config {
	return &rest.Config{
		Host:            c.Server,
		BearerToken:     c.tokens[user],
		TLSClientConfig: rest.TLSClientConfig{CAData: c.caPEM},
		QPS:             100,
		Burst:           200,
	}
}

// KubeconfigFor writes (once) and returns a kubeconfig for one of
// ClusterOptions.Users.
func (c *Cluster) KubeconfigFor(user string) (string, error) {
	if _, ok := c.opts.Users[user]; !ok {
		return "", fmt.Errorf("no user %q in ClusterOptions.Users", user)
	}
	p := filepath.Join(c.Dir, "kubeconfig-"+strings.NewReplacer(":", "_", "/", "_").Replace(user))
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	return p, c.writeKubeconfig(p, user)
}

// RESTConfigFor returns a REST config for one of ClusterOptions.Users.
func (c *Cluster) RESTConfigFor(user string) (*rest.Config, error) {
	if _, ok := c.opts.Users[user]; !ok {
		return nil, fmt.Errorf("no user %q in ClusterOptions.Users", user)
	}
	return c.restConfig(user), nil
}

func (c *Cluster) waitReadyz(ctx context.Context) error {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(c.caPEM)
	hc := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer hc.CloseIdleConnections()
	var last string
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, c.Server+"/readyz", nil)
		req.Header.Set("Authorization", "Bearer "+c.tokens["admin"])
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		if p := c.proc("kube-apiserver"); p != nil && p.Exited() {
			return fmt.Errorf("kube-apiserver exited before ready")
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kube-apiserver not ready (%s): %w", last, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (c *Cluster) proc(name string) *Proc {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range c.procs {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// waitWorld waits until every node is Ready and untainted and the
// service-account controller has made the default ServiceAccount.
func (c *Cluster) waitWorld(ctx context.Context) error {
	return poll(ctx, 200*time.Millisecond, func() (bool, string, error) {
		for _, p := range c.Procs() {
			if p.Exited() {
				return false, "", fmt.Errorf("%s exited", p.Name)
			}
		}
		nodes, err := c.Client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err.Error(), nil
		}
		ready := 0
		for i := range nodes.Items {
			n := &nodes.Items[i]
			if len(n.Spec.Taints) > 0 {
				if err := c.untaint(ctx, n.Name); err != nil {
					return false, err.Error(), nil
				}
				continue
			}
			for _, cond := range n.Status.Conditions {
				if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
					ready++
				}
			}
		}
		if ready < len(c.Nodes) {
			return false, fmt.Sprintf("%d of %d nodes ready", ready, len(c.Nodes)), nil
		}
		if _, err := c.Client.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{}); err != nil {
			return false, "default service account: " + err.Error(), nil
		}
		return true, "", nil
	})
}

func (c *Cluster) untaint(ctx context.Context, node string) error {
	_, err := c.Client.CoreV1().Nodes().Patch(ctx, node, "application/merge-patch+json",
		[]byte(`{"spec":{"taints":null}}`), metav1.PatchOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// poll calls f every interval until it reports done or an error, or ctx ends;
// the last message goes into the timeout error.
func poll(ctx context.Context, interval time.Duration, f func() (bool, string, error)) error {
	for {
		done, msg, err := f()
		if err != nil {
			return err
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting: %s: %w", msg, ctx.Err())
		case <-time.After(interval):
		}
	}
}

// Procs returns the processes of the cluster, for tests that check that
// Stop leaves none behind.
func (c *Cluster) Procs() []*Proc {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*Proc(nil), c.procs...)
}

// Ports returns the loopback ports the cluster's processes listen on.
func (c *Cluster) Ports() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int(nil), c.ports...)
}

// LogTails returns the last n bytes of each process log, for failure
// messages.
func (c *Cluster) logTails(n int) string {
	var b strings.Builder
	for _, p := range c.Procs() {
		fmt.Fprintf(&b, "\n--- %s (%s) ---\n%s", p.Name, p.LogPath, p.LogTail(n))
	}
	return b.String()
}

// Context is cancelled when the cluster stops; background helpers (the
// provisioner, operator stand-ins) run under it.
func (c *Cluster) Context() context.Context { return c.ctx }

// Stop stops the background helpers and every process (last started first)
// and removes the run directory. It is safe to call more than once.
func (c *Cluster) Stop() {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return
	}
	c.stopped = true
	c.mu.Unlock()
	c.cancel()
	c.bg.Wait()
	c.stopper.Stop()
	procs := c.Procs()
	for i := len(procs) - 1; i >= 0; i-- {
		procs[i].Stop(10 * time.Second)
	}
	if c.shmDir != "" {
		_ = os.RemoveAll(c.shmDir)
	}
	_ = os.RemoveAll(c.Dir)
}

// goBackground runs f under the cluster's context; Stop waits for it.
func (c *Cluster) goBackground(f func(ctx context.Context)) {
	c.bg.Add(1)
	go func() {
		defer c.bg.Done()
		f(c.ctx)
	}()
}
