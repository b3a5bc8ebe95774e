package install

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"time"

	"github.com/harbor-installer/harbor-installer/render"
)

// Key pair parts a FromKeyPair source names.
const (
	keyPairKey  = "key"
	keyPairCert = "cert"
	// keyPairValidity is long: the pair signs Harbor's tokens internally,
	// and a rotation would log every user out.
	keyPairValidity = 10 * 365 * 24 * time.Hour
)

// keyPair is one Secret's generated (or read back) pair, in PEM.
type keyPair struct{ key, cert string }

// keyPair returns a part of the Secret's pair: the pair already in the
// cluster when every keyPair key of the Secret is there, else one pair
// generated once for the whole Secret.
func (rs *resolver) keyPair(id string, src render.Source) (string, error) {
	if src.Part != keyPairKey && src.Part != keyPairCert {
		return "", fmt.Errorf("key pair part %q: want %s or %s", src.Part, keyPairKey, keyPairCert)
	}
	p := rs.pairs[id]
	if p == nil {
		s := rs.plan[id]
		ex := rs.existing[id]
		p = &keyPair{}
		complete := ex != nil
		for _, k := range s.Keys {
			if k.From.Kind != render.FromKeyPair {
				continue
			}
			v := ""
			if ex != nil {
				v = string(ex.Data[k.Key])
			}
			if v == "" {
				complete = false
				break
			}
			if k.From.Part == keyPairKey {
				p.key = v
			} else {
				p.cert = v
			}
		}
		if !complete || p.key == "" && p.cert == "" {
			np, err := newKeyPair(src.CommonName)
			if err != nil {
				return "", err
			}
			p = np
		}
		rs.pairs[id] = p
		for _, v := range []string{p.key, p.cert} {
			if v != "" {
				rs.sensitive[v] = true
			}
		}
	}
	if src.Part == keyPairKey {
		return p.key, nil
	}
	return p.cert, nil
}

// newKeyPair makes an RSA 2048 key (Harbor's token service signs RS256)
// and a self-signed certificate for cn.
func newKeyPair(cn string) (*keyPair, error) {
	if cn == "" {
		cn = "harbor-token-service"
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate key pair: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("generate key pair: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(keyPairValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("self-sign certificate: %w", err)
	}
	kb, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode key: %w", err)
	}
	return &keyPair{
		key:  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb})),
		cert: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
	}, nil
}
