package kube

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func selfSigned(t *testing.T, host string, notAfter time.Time) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), DNSNames: []string{host}, NotBefore: notAfter.Add(-time.Hour), NotAfter: notAfter}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func TestListers(t *testing.T) {
	notAfter := time.Date(2027, 3, 5, 0, 0, 0, 0, time.UTC)
	node := func(name, zone string, unschedulable bool) *corev1.Node {
		return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{corev1.LabelTopologyZone: zone}},
			Spec: corev1.NodeSpec{Unschedulable: unschedulable}}
	}
	cp := node("cp", "zone-a", false)
	cp.Spec.Taints = []corev1.Taint{{Key: "node-role.kubernetes.io/control-plane", Effect: corev1.TaintEffectNoSchedule}}
	cs := fake.NewClientset(
		&storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "ontap-nas"}, Provisioner: "csi.trident.netapp.io"},
		&storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "gp3", Annotations: map[string]string{"storageclass.kubernetes.io/is-default-class": "true"}}, Provisioner: "ebs.csi.aws.com"},
		&networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: "nginx"}, Spec: networkingv1.IngressClassSpec{Controller: "k8s.io/ingress-nginx"}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "harbor", Name: "harbor-tls"}, Type: corev1.SecretTypeTLS,
			Data: map[string][]byte{"tls.crt": selfSigned(t, "registry.example.org", notAfter), "tls.key": []byte("x")}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "harbor", Name: "broken"}, Type: corev1.SecretTypeTLS, Data: map[string][]byte{"tls.crt": []byte("no")}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "harbor", Name: "opaque"}, Type: corev1.SecretTypeOpaque},
		node("a1", "zone-a", false), node("a2", "zone-a", false), node("b1", "zone-b", false), node("b2", "zone-b", true), cp,
	)
	c := NewForClients(cs, nil, time.Second)
	ctx := context.Background()

	scs, err := c.ListStorageClasses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []StorageClassInfo{
		{Name: "gp3", Provisioner: "ebs.csi.aws.com", Default: true, AccessModes: []string{"ReadWriteOnce"}},
		{Name: "ontap-nas", Provisioner: "csi.trident.netapp.io", AccessModes: []string{"ReadWriteMany", "ReadWriteOnce"}},
	}
	if !reflect.DeepEqual(scs, want) {
		t.Errorf("storage classes = %+v, want %+v (default first)", scs, want)
	}

	ics, err := c.ListIngressClasses(ctx)
	if err != nil || len(ics) != 1 || ics[0].Controller != "k8s.io/ingress-nginx" {
		t.Errorf("ingress classes = %+v, %v", ics, err)
	}

	tls, err := c.ListTLSSecrets(ctx, "harbor")
	if err != nil {
		t.Fatal(err)
	}
	if len(tls) != 2 || tls[0].Name != "broken" || tls[0].Problem == "" || tls[1].Name != "harbor-tls" ||
		!reflect.DeepEqual(tls[1].DNSNames, []string{"registry.example.org"}) || !tls[1].NotAfter.Equal(notAfter) {
		t.Errorf("TLS secrets = %+v", tls)
	}

	zones, err := c.NodeZones(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(zones, []ZoneInfo{{Name: "zone-a", Nodes: 2}, {Name: "zone-b", Nodes: 1}}) {
		t.Errorf("zones = %+v (cordoned and control-plane nodes left out)", zones)
	}
}
