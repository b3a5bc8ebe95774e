package harness

import (
	"context"
	"fmt"
	"os"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// CreateTLSSecret issues a certificate for host from ca and stores it as the
// kubernetes.io/tls Secret namespace/name, creating the namespace when
// missing. An existing Secret is an error the caller can test with
// apierrors.IsAlreadyExists.
func (c *Cluster) CreateTLSSecret(ctx context.Context, ca *TestCA, namespace, name, host string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}}
	if _, err := c.Client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", namespace, err)
	}
	sc, err := ca.IssueServer(host)
	if err != nil {
		return err
	}
	crt, err := os.ReadFile(sc.CertFile)
	if err != nil {
		return err
	}
	key, err := os.ReadFile(sc.KeyFile)
	if err != nil {
		return err
	}
	sec := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Type:       corev1.SecretTypeTLS,
		Data:       map[string][]byte{corev1.TLSCertKey: crt, corev1.TLSPrivateKeyKey: key},
	}
	if _, err := c.Client.CoreV1().Secrets(namespace).Create(ctx, sec, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create TLS secret %s/%s: %w", namespace, name, err)
	}
	return nil
}
