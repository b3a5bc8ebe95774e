package steps

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	helmchart "helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/version"
	fakediscovery "k8s.io/client-go/discovery/fake"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/harbor-installer/harbor-installer/answers"
	"github.com/harbor-installer/harbor-installer/kube"
	"github.com/harbor-installer/harbor-installer/render"
	"github.com/harbor-installer/harbor-installer/steps/ontapfake"
)

// loadAnswers loads answers from YAML over the defaults.
func loadAnswers(t *testing.T, y string) *answers.Answers {
	t.Helper()
	l, err := answers.Load(answers.Options{File: "answers.yaml", Data: []byte("version: 1\n" + y), AllowLiteralSecrets: true})
	if err != nil {
		t.Fatalf("load answers: %v", err)
	}
	return &l.Answers
}

// fakeCluster is client-go's fake clientset behind kube.Client, allowing
// every access review and reporting v1.31.4.
func fakeCluster(t *testing.T, objs ...runtime.Object) (*kube.Client, *fake.Clientset) {
	t.Helper()
	cs := fake.NewClientset(objs...)
	cs.Discovery().(*fakediscovery.FakeDiscovery).FakedServerVersion = &version.Info{GitVersion: "v1.31.4", Major: "1", Minor: "31"}
	cs.PrependReactor("create", "selfsubjectaccessreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
		r := a.(k8stesting.CreateAction).GetObject().(*authorizationv1.SelfSubjectAccessReview)
		r.Status.Allowed = true
		return true, r, nil
	})
	return kube.NewForClients(cs, nil, time.Second), cs
}

func envFor(c ClusterProber) *Env {
	return &Env{Timeout: time.Second, Cluster: c, Resolver: staticResolver{}}
}

type staticResolver map[string][]string

func (r staticResolver) LookupHost(_ context.Context, host string) ([]string, error) {
	if a, ok := r[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// byKey returns the worst level per key and fails on findings that echo a secret.
func byKey(t *testing.T, fs []Finding, secrets ...string) map[string]Level {
	t.Helper()
	m := map[string]Level{}
	for _, f := range fs {
		for _, s := range secrets {
			if s != "" && (strings.Contains(f.Seen, s) || strings.Contains(f.Hint, s)) {
				t.Errorf("finding echoes a secret: %v", f)
			}
		}
		if l, ok := m[f.Key]; !ok || f.Level > l {
			m[f.Key] = f.Level
		}
	}
	return m
}

func wantLevel(t *testing.T, fs []Finding, key string, want Level) {
	t.Helper()
	got, ok := byKey(t, fs)[key]
	if !ok || got != want {
		t.Errorf("%s: want %v, got %v (present %v); findings:\n%s", key, want, got, ok, dump(fs))
	}
}

func wantNoFail(t *testing.T, fs []Finding) {
	t.Helper()
	if f := Only(fs, Fail); len(f) > 0 {
		t.Errorf("unexpected fails:\n%s", dump(fs))
	}
}

func dump(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("  " + f.String() + "\n")
	}
	return b.String()
}

// blackHole accepts TCP connections and never answers.
func blackHole(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return ln.Addr().String()
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := ln.Addr().String()
	ln.Close()
	return a
}

// answerTimeout bounds checks against stand-ins that do answer. It is
// generous because a loaded machine (CI runs packages in parallel) can take
// over a second for a TLS handshake; the never-answers cases keep their own
// short timeouts and time limits.
const answerTimeout = 10 * time.Second

// within runs f and fails when it takes longer than d.
func within(t *testing.T, d time.Duration, f func()) {
	t.Helper()
	start := time.Now()
	f()
	if el := time.Since(start); el > d {
		t.Errorf("took %s, want under %s", el, d)
	}
}

// ---- ONTAP ----

func ontapAnswers(t *testing.T, lif, svm, password string) *answers.Answers {
	t.Setenv("TEST_ONTAP_PW", password)
	return loadAnswers(t, `
storage:
  provider: trident
  storageClass: ontap-nas
  trident:
    install: true
    managementLIF: "`+lif+`"
    dataLIF: 127.0.0.1
    svm: `+svm+`
    username: vsadmin
    password: env:TEST_ONTAP_PW
`)
}

func TestONTAP(t *testing.T) {
	srv := ontapfake.New("vsadmin", "s3cret-ontap", ontapfake.SVM{Name: "svm_harbor", UUID: "1"}, ontapfake.SVM{Name: "svm_stopped", UUID: "2", State: "stopped"})
	defer srv.Close()
	ctx := context.Background()

	t.Run("ok", func(t *testing.T) {
		fs := checkONTAP(ctx, ontapAnswers(t, srv.LIF(), "svm_harbor", "s3cret-ontap"), answerTimeout, srv.Pool())
		wantNoFail(t, fs)
		wantLevel(t, fs, "storage.trident.managementLIF", OK)
		wantLevel(t, fs, "storage.trident.svm", OK)
		byKey(t, fs, "s3cret-ontap")
		if !strings.Contains(dump(fs), "9.15.1") {
			t.Errorf("version not reported:\n%s", dump(fs))
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		fs := checkONTAP(ctx, ontapAnswers(t, srv.LIF(), "svm_harbor", "wrong-pw-123"), answerTimeout, srv.Pool())
		wantLevel(t, fs, "storage.trident.password", Fail)
		byKey(t, fs, "wrong-pw-123")
	})
	t.Run("unknown svm", func(t *testing.T) {
		fs := checkONTAP(ctx, ontapAnswers(t, srv.LIF(), "svm_nope", "s3cret-ontap"), answerTimeout, srv.Pool())
		wantLevel(t, fs, "storage.trident.svm", Fail)
	})
	t.Run("stopped svm", func(t *testing.T) {
		fs := checkONTAP(ctx, ontapAnswers(t, srv.LIF(), "svm_stopped", "s3cret-ontap"), answerTimeout, srv.Pool())
		wantLevel(t, fs, "storage.trident.svm", Warn)
	})
	t.Run("untrusted certificate warns and goes on", func(t *testing.T) {
		fs := checkONTAP(ctx, ontapAnswers(t, srv.LIF(), "svm_harbor", "s3cret-ontap"), answerTimeout, nil)
		wantLevel(t, fs, "storage.trident.managementLIF", Warn)
		wantLevel(t, fs, "storage.trident.svm", OK)
	})
	t.Run("caFile verifies the LIF", func(t *testing.T) {
		ca := writeFile(t, "ontap-ca.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
		a := ontapAnswers(t, srv.LIF(), "svm_harbor", "s3cret-ontap")
		a.Storage.Trident.CAFile = ca
		// nil roots: only the CA file can make it verify.
		fs := checkONTAP(ctx, a, answerTimeout, nil)
		wantNoFail(t, fs)
		wantLevel(t, fs, "storage.trident.caFile", OK)
		wantLevel(t, fs, "storage.trident.managementLIF", OK)

		// Another CA: a fail on caFile, no fallback to an unverified connection.
		a.Storage.Trident.CAFile = writeFile(t, "other-ca.pem", newTestCA(t).pem)
		fs = checkONTAP(ctx, a, answerTimeout, srv.Pool())
		wantLevel(t, fs, "storage.trident.caFile", Fail)
		if len(findingsFor(fs, "storage.trident.svm", OK)) > 0 {
			t.Errorf("went on after the CA file failed:\n%s", dump(fs))
		}
		a.Storage.Trident.CAFile = filepath.Join(t.TempDir(), "missing.pem")
		wantLevel(t, checkONTAP(ctx, a, answerTimeout, nil), "storage.trident.caFile", Fail)
	})
	t.Run("svm-scoped account", func(t *testing.T) {
		srv.Lock()
		srv.SVMScoped = true
		srv.Unlock()
		defer func() { srv.Lock(); srv.SVMScoped = false; srv.Unlock() }()
		fs := checkONTAP(ctx, ontapAnswers(t, srv.LIF(), "svm_harbor", "s3cret-ontap"), answerTimeout, srv.Pool())
		wantNoFail(t, fs)
	})
	t.Run("refused", func(t *testing.T) {
		within(t, 2*time.Second, func() {
			fs := checkONTAP(ctx, ontapAnswers(t, closedAddr(t), "svm_harbor", "x-pw-1"), time.Second, srv.Pool())
			wantLevel(t, fs, "storage.trident.managementLIF", Fail)
		})
	})
	t.Run("never answers", func(t *testing.T) {
		within(t, 2500*time.Millisecond, func() {
			fs := checkONTAP(ctx, ontapAnswers(t, blackHole(t), "svm_harbor", "x-pw-1"), time.Second, srv.Pool())
			wantLevel(t, fs, "storage.trident.managementLIF", Fail)
		})
	})
}

// ---- TLS ----

type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &testCA{cert: c, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue returns PEM cert and key for names, valid until notAfter.
func (ca *testCA) issue(t *testing.T, notAfter time.Time, names ...string) ([]byte, []byte) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: notAfter, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kd, _ := x509.MarshalPKCS8PrivateKey(key)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd})
}

func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTLSSecret(t *testing.T) {
	ca := newTestCA(t)
	caFile := writeFile(t, "ca.pem", ca.pem)
	otherCA := newTestCA(t)
	year := time.Now().Add(365 * 24 * time.Hour)
	good, goodKey := ca.issue(t, year, "registry.example.org")
	wild, wildKey := ca.issue(t, year, "*.example.org")
	other, otherKey := ca.issue(t, year, "other.example.org")
	soon, soonKey := ca.issue(t, time.Now().Add(10*24*time.Hour), "registry.example.org")
	expired, expiredKey := ca.issue(t, time.Now().Add(-time.Hour), "registry.example.org")
	foreign, foreignKey := otherCA.issue(t, year, "registry.example.org")

	secret := func(name string, crt, key []byte) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "harbor"}, Type: corev1.SecretTypeTLS,
			Data: map[string][]byte{"tls.crt": crt, "tls.key": key}}
	}
	opaque := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "opaque", Namespace: "harbor"}, Type: corev1.SecretTypeOpaque}
	c, _ := fakeCluster(t, secret("good", good, goodKey), secret("wild", wild, wildKey), secret("other", other, otherKey),
		secret("soon", soon, soonKey), secret("expired", expired, expiredKey), secret("foreign", foreign, foreignKey),
		secret("mismatch", good, otherKey), opaque)
	cases := []struct {
		secret string
		key    string
		want   Level
	}{
		{"good", "tls.secretName", OK},
		{"wild", "tls.secretName", OK},
		{"other", "tls.secretName", Fail},
		{"soon", "tls.secretName", Warn},
		{"expired", "tls.secretName", Fail},
		{"foreign", "tls.caFile", Fail},
		{"mismatch", "tls.secretName", Fail},
		{"opaque", "tls.secretName", Fail},
		{"missing", "tls.secretName", Fail},
	}
	for _, tc := range cases {
		t.Run(tc.secret, func(t *testing.T) {
			a := loadAnswers(t, "harbor:\n  domain: registry.example.org\ntls:\n  mode: secret\n  secretName: "+tc.secret+"\n  caFile: "+caFile+"\n")
			fs := tlsLive(context.Background(), a, envFor(c))
			wantLevel(t, fs, tc.key, tc.want)
			if tc.want == OK {
				wantNoFail(t, fs)
			}
		})
	}
	t.Run("files", func(t *testing.T) {
		a := loadAnswers(t, "harbor:\n  domain: registry.example.org\ntls:\n  mode: files\n  certFile: "+writeFile(t, "c.pem", good)+"\n  keyFile: "+writeFile(t, "k.pem", otherKey)+"\n  caFile: "+caFile+"\n")
		fs := tlsLive(context.Background(), a, envFor(c))
		wantLevel(t, fs, "tls.keyFile", Fail)
	})
	t.Run("system roots", func(t *testing.T) {
		a := loadAnswers(t, "harbor:\n  domain: registry.example.org\ntls:\n  mode: secret\n  secretName: good\n")
		fs := tlsLive(context.Background(), a, envFor(c))
		wantLevel(t, fs, "tls.secretName", Warn)
	})
}

// ---- cluster ----

// storeRelease writes a release record with Helm's own storage driver, as
// helm install would, so the check reads exactly what Helm leaves behind.
func storeRelease(t *testing.T, cs *fake.Clientset, name, ns, chart string, rev int, status release.Status) {
	t.Helper()
	rls := &release.Release{Name: name, Namespace: ns, Version: rev,
		Info:  &release.Info{Status: status},
		Chart: &helmchart.Chart{Metadata: &helmchart.Metadata{Name: chart, Version: "1.0.0"}}}
	if err := driver.NewSecrets(cs.CoreV1().Secrets(ns)).Create("sh.helm.release.v1."+name+".v"+itoa(rev), rls); err != nil {
		t.Fatal(err)
	}
}

func itoa(i int) string { return big.NewInt(int64(i)).String() }

func TestClusterLive(t *testing.T) {
	a := loadAnswers(t, "harbor:\n  domain: registry.example.org\nminio:\n  enabled: true\n")
	t.Run("fresh", func(t *testing.T) {
		c, _ := fakeCluster(t)
		fs := clusterLive(context.Background(), a, envFor(c))
		wantNoFail(t, fs)
		wantLevel(t, fs, "harbor.releaseName", OK)
	})
	t.Run("release states", func(t *testing.T) {
		c, cs := fakeCluster(t)
		storeRelease(t, cs, "harbor", "harbor", "harbor", 1, release.StatusSuperseded)
		storeRelease(t, cs, "harbor", "harbor", "harbor", 2, release.StatusPendingUpgrade)
		storeRelease(t, cs, "minio", "minio", "minio", 1, release.StatusFailed)
		fs := clusterLive(context.Background(), a, envFor(c))
		// A pending release from a killed run is the engine's to repair.
		wantLevel(t, fs, "harbor.releaseName", Warn)
		wantLevel(t, fs, "minio.releaseName", Warn)
		if !strings.Contains(dump(fs), "revision 2, pending-upgrade") || !strings.Contains(dump(fs), "harbor-installer install --recover") {
			t.Errorf("no pending revision or recovery hint:\n%s", dump(fs))
		}
	})
	t.Run("releases come from the plan", func(t *testing.T) {
		// Names and namespaces the answers choose, read where render puts them.
		a := loadAnswers(t, "harbor:\n  domain: registry.example.org\n  namespace: reg\n  releaseName: reg-harbor\nminio:\n  enabled: true\n  namespace: objects\n  releaseName: blobs\nbackup:\n  enabled: true\n  namespace: backups\n")
		p, err := render.Build(a)
		if err != nil {
			t.Fatal(err)
		}
		c, cs := fakeCluster(t)
		for _, r := range p.Releases {
			storeRelease(t, cs, r.Name, r.Namespace, r.Chart.Name, 3, release.StatusFailed)
		}
		fs := clusterLive(context.Background(), a, envFor(c))
		for _, key := range []string{"harbor.releaseName", "minio.releaseName", "backup.enabled"} {
			wantLevel(t, fs, key, Warn)
		}
		for _, r := range p.Releases {
			if !strings.Contains(dump(fs), "release "+r.Name+" in namespace "+r.Namespace+" is at revision 3") {
				t.Errorf("release %s/%s of the plan not read:\n%s", r.Namespace, r.Name, dump(fs))
			}
		}
	})
	t.Run("another chart under the name", func(t *testing.T) {
		c, cs := fakeCluster(t)
		storeRelease(t, cs, "harbor", "harbor", "nginx", 1, release.StatusDeployed)
		wantLevel(t, clusterLive(context.Background(), a, envFor(c)), "harbor.releaseName", Fail)
	})
	t.Run("old kubernetes", func(t *testing.T) {
		c, cs := fakeCluster(t)
		cs.Discovery().(*fakediscovery.FakeDiscovery).FakedServerVersion = &version.Info{GitVersion: "v1.19.16"}
		fs := clusterLive(context.Background(), a, envFor(c))
		wantLevel(t, fs, "charts.harbor", Fail)
	})
	t.Run("denied", func(t *testing.T) {
		c, cs := fakeCluster(t)
		cs.PrependReactor("create", "selfsubjectaccessreviews", func(act k8stesting.Action) (bool, runtime.Object, error) {
			r := act.(k8stesting.CreateAction).GetObject().(*authorizationv1.SelfSubjectAccessReview)
			r.Status.Allowed = r.Spec.ResourceAttributes.Resource != "namespaces"
			return true, r, nil
		})
		fs := clusterLive(context.Background(), a, envFor(c))
		wantLevel(t, fs, "cluster.kubeconfig", Fail)
		if !strings.Contains(dump(fs), "create namespaces") {
			t.Errorf("denied permission not named:\n%s", dump(fs))
		}
	})
	t.Run("bad kubeconfig and context", func(t *testing.T) {
		env := NewEnv(context.Background(), loadAnswers(t, "cluster:\n  kubeconfig: /nonexistent/kubeconfig\n"), time.Second)
		fs := clusterLive(context.Background(), loadAnswers(t, "cluster:\n  kubeconfig: /nonexistent/kubeconfig\n"), env)
		wantLevel(t, fs, "cluster.kubeconfig", Fail)

		kc := writeKubeconfig(t, "https://"+closedAddr(t))
		a2 := loadAnswers(t, "cluster:\n  kubeconfig: "+kc+"\n  context: nope\n")
		fs = clusterLive(context.Background(), a2, NewEnv(context.Background(), a2, time.Second))
		wantLevel(t, fs, "cluster.context", Fail)
	})
	t.Run("unreachable within the timeout", func(t *testing.T) {
		for _, addr := range []string{closedAddr(t), blackHole(t)} {
			kc := writeKubeconfig(t, "https://"+addr)
			a2 := loadAnswers(t, "cluster:\n  kubeconfig: "+kc+"\n")
			within(t, 2500*time.Millisecond, func() {
				env := NewEnv(context.Background(), a2, time.Second)
				var ue *kube.UnreachableError
				if !errors.As(env.ClusterErr, &ue) {
					t.Fatalf("ClusterErr = %v, want unreachable", env.ClusterErr)
				}
				wantLevel(t, clusterLive(context.Background(), a2, env), "cluster.kubeconfig", Fail)
				wantLevel(t, ingressLive(context.Background(), a2, env), "ingress.className", Warn)
			})
		}
	})
}

func writeKubeconfig(t *testing.T, server string) string {
	return writeFile(t, "kubeconfig", []byte(`apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "`+server+`", insecure-skip-tls-verify: true}
users:
- name: u
  user: {token: abc}
contexts:
- name: ctx
  context: {cluster: c, user: u}
current-context: ctx
`))
}

// ---- ingress, storage, minio nodes ----

func TestIngressLive(t *testing.T) {
	c, _ := fakeCluster(t,
		&networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: "nginx"}, Spec: networkingv1.IngressClassSpec{Controller: "k8s.io/ingress-nginx"}},
		&networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: "alb"}, Spec: networkingv1.IngressClassSpec{Controller: "ingress.k8s.aws/alb"}})
	for _, tc := range []struct {
		y, key string
		want   Level
	}{
		{"ingress: {className: nginx, controller: nginx}", "ingress.className", OK},
		{"ingress: {className: alb, controller: alb}", "ingress.className", OK},
		{"ingress: {className: alb, controller: nginx}", "ingress.controller", Fail},
		{"ingress: {className: traefik, controller: nginx}", "ingress.className", Fail},
	} {
		wantLevel(t, ingressLive(context.Background(), loadAnswers(t, tc.y), envFor(c)), tc.key, tc.want)
	}
}

func storageWorld() []runtime.Object {
	imm := storagev1.VolumeBindingImmediate
	wffc := storagev1.VolumeBindingWaitForFirstConsumer
	yes := true
	return []runtime.Object{
		&storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "ontap-nas"}, Provisioner: TridentProvisioner,
			Parameters: map[string]string{"backendType": "ontap-nas"}, VolumeBindingMode: &imm, AllowVolumeExpansion: &yes},
		&storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "gp3", Annotations: map[string]string{"storageclass.kubernetes.io/is-default-class": "true"}},
			Provisioner: EBSProvisioner, VolumeBindingMode: &wffc},
		&storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "orphan"}, Provisioner: "example.com/gone"},
		&storagev1.CSIDriver{ObjectMeta: metav1.ObjectMeta{Name: TridentProvisioner}},
		&storagev1.CSIDriver{ObjectMeta: metav1.ObjectMeta{Name: EBSProvisioner}},
	}
}

func TestStorageLive(t *testing.T) {
	c, _ := fakeCluster(t, storageWorld()...)
	for _, tc := range []struct {
		name, y, key string
		want         Level
	}{
		{"trident rwx", "harbor: {replicas: 2}\nstorage: {provider: trident, storageClass: ontap-nas}", "storage.storageClass", OK},
		{"ebs-backed existing class with 2 registry replicas", "harbor: {replicas: {registry: 2}}\nstorage: {provider: existing, storageClass: gp3, accessMode: ReadWriteMany}", "harbor.replicas", Fail},
		{"ebs with one replica", "storage: {provider: ebs, storageClass: gp3}", "storage.storageClass", OK},
		{"ebs with blobs in minio", "harbor: {replicas: 2}\nminio: {enabled: true}\nstorage: {provider: ebs, storageClass: gp3}", "storage.storageClass", OK},
		{"claimed rwx unused", "storage: {provider: existing, storageClass: gp3, accessMode: ReadWriteMany}", "storage.accessMode", Warn},
		{"wrong provider", "storage: {provider: ebs, storageClass: ontap-nas}", "storage.storageClass", Fail},
		{"missing class", "storage: {provider: existing, storageClass: nope}", "storage.storageClass", Fail},
		{"default class", "storage: {provider: existing, storageClass: ''}", "storage.storageClass", OK},
		{"no csi driver", "storage: {provider: existing, storageClass: orphan}", "storage.storageClass", Fail},
		{"trident class missing without install", "storage: {provider: trident, storageClass: new-nas, trident: {install: false}}", "storage.storageClass", Fail},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := storageLive(context.Background(), loadAnswers(t, tc.y), envFor(c))
			wantLevel(t, fs, tc.key, tc.want)
			if tc.want == OK {
				wantNoFail(t, fs)
			}
		})
	}
	t.Run("trident install", func(t *testing.T) {
		srv := ontapfake.New("vsadmin", "pw-ontap-1")
		defer srv.Close()
		a := ontapAnswers(t, srv.LIF(), "svm0", "pw-ontap-1")
		c, _ := fakeCluster(t, storageWorld()...)
		fs := storageLive(context.Background(), a, envFor(c))
		// The stand-in's certificate is not in the system roots: a warning.
		wantLevel(t, fs, "storage.trident.managementLIF", Warn)
		wantLevel(t, fs, "storage.trident.svm", OK)
		wantLevel(t, fs, "storage.trident.install", OK)
		wantLevel(t, fs, "storage.storageClass", OK)

		other := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "trident-controller", Namespace: "netapp"}}
		c, _ = fakeCluster(t, append(storageWorld(), other)...)
		fs = storageLive(context.Background(), a, envFor(c))
		wantLevel(t, fs, "storage.trident.install", Fail)
	})
}

func node(name, zone, mem string, ready bool, taints ...corev1.Taint) *corev1.Node {
	st := corev1.ConditionTrue
	if !ready {
		st = corev1.ConditionFalse
	}
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{ZoneLabel: zone}},
		Spec: corev1.NodeSpec{Taints: taints},
		Status: corev1.NodeStatus{Allocatable: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(mem), corev1.ResourceCPU: resource.MustParse("8")},
			Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: st}}}}
}

func TestMinIONodes(t *testing.T) {
	var objs []runtime.Object
	for _, z := range []string{"a", "b", "c"} {
		objs = append(objs, node("n-"+z+"1", "zone-"+z, "32Gi", true), node("n-"+z+"2", "zone-"+z, "32Gi", true))
	}
	objs = append(objs, node("n-d1", "zone-d", "32Gi", false), node("n-e1", "zone-e", "32Gi", true, corev1.Taint{Key: "x", Effect: corev1.TaintEffectNoSchedule}))
	c, _ := fakeCluster(t, objs...)
	for _, tc := range []struct {
		name, y, key string
		want         Level
		seen         string
	}{
		{"one pool of 4 over 3 AZs stays readable", "minio: {enabled: true, zones: 1, nodesPerZone: 4, drivesPerNode: 1}", "minio.spreadAcrossZones", OK, "leaves every pool readable but not writable"},
		{"one pool of 6 over 3 AZs stays writable", "minio: {enabled: true, zones: 1, nodesPerZone: 6, drivesPerNode: 1}", "minio.spreadAcrossZones", OK, "readable and writable"},
		// Two pools on three AZs passed before (pools <= AZs), yet an AZ can
		// hold both pods of one pool: the check counts pods per AZ.
		{"2 pools of 2 nodes need 4 AZs", "minio: {enabled: true, zones: 2, nodesPerZone: 2, drivesPerNode: 2}", "minio.spreadAcrossZones", Fail, "needs 4 or more AZs"},
		{"pods share nodes", "minio: {enabled: true, zones: 2, nodesPerZone: 4, drivesPerNode: 2}", "minio.nodesPerZone", Warn, "8 MinIO pods but 6 schedulable nodes"},
		{"memory", "minio: {enabled: true, zones: 1, nodesPerZone: 4, memoryRequest: 64Gi}", "minio.memoryRequest", Fail, "64Gi"},
		{"no spread", "minio: {enabled: true, zones: 2, nodesPerZone: 4, spreadAcrossZones: false}", "minio.nodesPerZone", Warn, "share nodes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := minioLive(context.Background(), loadAnswers(t, tc.y), envFor(c))
			wantLevel(t, fs, tc.key, tc.want)
			found := false
			for _, f := range fs {
				if f.Key == tc.key && f.Level == tc.want && strings.Contains(f.Seen, tc.seen) {
					found = true
				}
			}
			if !found {
				t.Errorf("no %s finding for %s containing %q: %v", tc.want, tc.key, tc.seen, fs)
			}
			if tc.want == OK {
				wantNoFail(t, fs)
			}
		})
	}
}

// ---- domain ----

func TestDomainLive(t *testing.T) {
	lb := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "ingress-nginx-controller", Namespace: "ingress-nginx", Labels: map[string]string{"app.kubernetes.io/name": "ingress-nginx"}},
		Spec:   corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer},
		Status: corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{Ingress: []corev1.LoadBalancerIngress{{IP: "192.0.2.10"}}}}}
	c, _ := fakeCluster(t, lb)
	env := envFor(c)
	env.Resolver = staticResolver{"registry.example.org": {"192.0.2.10"}, "wrong.example.org": {"192.0.2.99"}}
	wantLevel(t, domainLive(context.Background(), loadAnswers(t, "harbor: {domain: registry.example.org}"), env), "harbor.domain", OK)
	wantLevel(t, domainLive(context.Background(), loadAnswers(t, "harbor: {domain: wrong.example.org}"), env), "harbor.domain", Warn)
	wantLevel(t, domainLive(context.Background(), loadAnswers(t, "harbor: {domain: nowhere.example.org}"), env), "harbor.domain", Warn)
}

// ---- network services that never answer ----

func TestNeverAnsweringServicesFailWithinTimeout(t *testing.T) {
	hole := blackHole(t)
	t.Setenv("TEST_PW", "pw-never-echo")
	cases := []struct {
		name, y, key string
		run          func(context.Context, *answers.Answers, *Env) []Finding
	}{
		{"ldap", "ldap: {enabled: true, url: 'ldap://" + hole + "', bindDN: 'cn=x,dc=example,dc=org', bindPassword: env:TEST_PW, baseDN: 'dc=example,dc=org'}", "ldap.url", ldapLive},
		{"ldaps", "ldap: {enabled: true, url: 'ldaps://" + hole + "', bindDN: 'cn=x,dc=example,dc=org', bindPassword: env:TEST_PW}", "ldap.url", ldapLive},
		{"ldap starttls", "ldap: {enabled: true, startTLS: true, url: 'ldap://" + hole + "', bindDN: 'cn=x', bindPassword: env:TEST_PW}", "ldap.url", ldapLive},
		{"ldap refused", "ldap: {enabled: true, url: 'ldap://" + closedAddr(t) + "', bindDN: 'cn=x', bindPassword: env:TEST_PW}", "ldap.url", ldapLive},
		{"s3", "s3: {endpoint: 'http://" + hole + "', bucket: harbor, accessKey: env:TEST_PW, secretKey: env:TEST_PW}", "s3.endpoint", minioLive},
		{"s3 https", "s3: {endpoint: 'https://" + hole + "', bucket: harbor, accessKey: env:TEST_PW, secretKey: env:TEST_PW}", "s3.endpoint", minioLive},
		{"postgres", "harbor: {database: {type: external, host: 127.0.0.1, port: " + portOf(hole) + ", password: env:TEST_PW}}", "harbor.database.host", harborLive},
		{"redis", "harbor: {redis: {type: external, addr: '" + hole + "', password: env:TEST_PW}}", "harbor.redis.addr", harborLive},
		{"redis sentinel", "harbor: {redis: {type: external, addr: '" + hole + "', sentinelMasterSet: mymaster}}", "harbor.redis.addr", harborLive},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			within(t, 2500*time.Millisecond, func() {
				fs := tc.run(context.Background(), loadAnswers(t, tc.y), &Env{Timeout: time.Second})
				wantLevel(t, fs, tc.key, Fail)
				byKey(t, fs, "pw-never-echo")
			})
		})
	}
}

func portOf(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

func TestUntilText(t *testing.T) {
	for _, tc := range []struct {
		left time.Duration
		want string
	}{
		{20 * 24 * time.Hour, "20 days"},
		{47 * time.Hour, "47 hours"},
		{90 * time.Minute, "1 hour"},
		{10 * time.Minute, "under an hour"},
	} {
		if got := untilText(tc.left); got != tc.want {
			t.Errorf("untilText(%v) = %q, want %q", tc.left, got, tc.want)
		}
	}
}
