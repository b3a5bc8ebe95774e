package harness

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"os"
	"path/filepath"
	"time"
)

// clusterPKI holds the paths of the control plane's keys and certificates,
// all made fresh in the run directory for each cluster.
type clusterPKI struct {
	CAFile, CAKeyFile       string
	ServingCert, ServingKey string
	SAKey, SAPub            string
	CAPEM                   []byte
}

// makeClusterPKI writes a CA, the API server's serving certificate signed by
// it, and the service-account signing key pair into dir. The CA is the same
// kind the services use, valid a week so a demo cluster outlives a day.
func makeClusterPKI(dir string) (*clusterPKI, error) {
	ca, err := newCA(dir, 7*24*time.Hour)
	if err != nil {
		return nil, err
	}
	srv, err := ca.IssueServer("kube-apiserver", "localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
		"kubernetes.default.svc.cluster.local", "127.0.0.1", "10.96.0.1")
	if err != nil {
		return nil, err
	}
	p := &clusterPKI{
		CAFile: ca.CertFile, CAKeyFile: ca.KeyFile, CAPEM: ca.PEM(),
		ServingCert: srv.CertFile, ServingKey: srv.KeyFile,
		SAKey: filepath.Join(dir, "sa.key"), SAPub: filepath.Join(dir, "sa.pub"),
	}
	saKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	saPub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return nil, err
	}
	if err := pkiWriteKey(p.SAKey, saKey); err != nil {
		return nil, err
	}
	if err := os.WriteFile(p.SAPub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: saPub}), 0o600); err != nil {
		return nil, err
	}
	return p, nil
}

// randomToken returns a random hex token for the static token file.
func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
