package harness

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// TestCA is a throw-away certificate authority whose files live in a run
// directory. Services of the harness take their server certificates from it;
// clients trust CertFile (or Pool()).
type TestCA struct {
	Dir      string // where the CA and its issued files are written
	CertFile string // PEM of the CA certificate: give it to clients as their CA bundle
	KeyFile  string // PEM (PKCS#8) of the CA key

	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
	// lifetime is how long the CA and the certificates it issues are valid.
	lifetime time.Duration

	mu sync.Mutex
	n  int
}

// ServerCert names the files of one server certificate.
type ServerCert struct {
	CertFile string // PEM certificate (leaf only)
	KeyFile  string // PEM (PKCS#8) private key, mode 0600
	CAFile   string // PEM of the issuing CA, same as TestCA.CertFile
}

// DefaultServerNames are the names a server certificate gets when IssueServer
// is called with none: every way a test reaches a loopback server.
var DefaultServerNames = []string{"127.0.0.1", "localhost", "::1"}

// NewTestCA creates a CA (ECDSA P-256) and writes ca.crt and ca.key into dir,
// which must exist. It and what it issues are valid for 90 days, like a real
// ACME certificate, so the installer's TLS check (which warns under 30 days
// left) sees what it sees in production; the files die with the run directory.
func NewTestCA(dir string) (*TestCA, error) { return newCA(dir, 90*24*time.Hour) }

// newCA is NewTestCA with the validity of the CA and what it issues.
func newCA(dir string, lifetime time.Duration) (*TestCA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("test CA: generate key: %w", err)
	}
	serial, err := pkiSerial()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "harbor-installer test CA", Organization: []string{"harbor-installer harness"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(lifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("test CA: self-sign: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("test CA: %w", err)
	}
	ca := &TestCA{
		Dir:      dir,
		CertFile: filepath.Join(dir, "ca.crt"),
		KeyFile:  filepath.Join(dir, "ca.key"),
		cert:     cert,
		key:      key,
		pem:      pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		lifetime: lifetime,
	}
	if err := os.WriteFile(ca.CertFile, ca.pem, 0o644); err != nil {
		return nil, fmt.Errorf("test CA: %w", err)
	}
	if err := pkiWriteKey(ca.KeyFile, key); err != nil {
		return nil, err
	}
	return ca, nil
}

// IssueServer issues a server (and client) certificate for names — IP
// addresses or DNS names; DefaultServerNames when none are given — and writes
// it as server-N.crt and server-N.key next to the CA.
func (ca *TestCA) IssueServer(names ...string) (ServerCert, error) {
	if len(names) == 0 {
		names = DefaultServerNames
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return ServerCert{}, fmt.Errorf("test CA: generate server key: %w", err)
	}
	serial, err := pkiSerial()
	if err != nil {
		return ServerCert{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: names[0], Organization: []string{"harbor-installer harness"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(ca.lifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return ServerCert{}, fmt.Errorf("test CA: sign server certificate: %w", err)
	}
	ca.mu.Lock()
	ca.n++
	base := filepath.Join(ca.Dir, fmt.Sprintf("server-%d", ca.n))
	ca.mu.Unlock()
	sc := ServerCert{CertFile: base + ".crt", KeyFile: base + ".key", CAFile: ca.CertFile}
	if err := os.WriteFile(sc.CertFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return ServerCert{}, fmt.Errorf("test CA: %w", err)
	}
	if err := pkiWriteKey(sc.KeyFile, key); err != nil {
		return ServerCert{}, err
	}
	return sc, nil
}

// PEM returns the CA certificate in PEM form.
func (ca *TestCA) PEM() []byte { return append([]byte(nil), ca.pem...) }

// Pool returns a certificate pool holding only this CA.
func (ca *TestCA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

// ClientTLS returns a client TLS configuration that trusts only this CA.
func (ca *TestCA) ClientTLS(serverName string) *tls.Config {
	return &tls.Config{RootCAs: ca.Pool(), ServerName: serverName, MinVersion: tls.VersionTLS12}
}

func pkiSerial() (*big.Int, error) {
	s, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("test CA: serial: %w", err)
	}
	return s.Add(s, big.NewInt(1)), nil
}

func pkiWriteKey(path string, key *ecdsa.PrivateKey) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("test CA: marshal key: %w", err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return fmt.Errorf("test CA: %w", err)
	}
	return nil
}
