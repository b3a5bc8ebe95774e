package kube

import (
	"context"
	"errors"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/harbor-installer/harbor-installer/kube/model"
)

func TestEnsureNamespace(t *testing.T) {
	b, _, _ := fakeBackend(t, nil)
	ctx := context.Background()
	for i, want := range []bool{true, false} {
		created, err := b.EnsureNamespace(ctx, "harbor")
		if err != nil || created != want {
			t.Fatalf("call %d: created %v err %v, want %v", i, created, err, want)
		}
	}
}

func TestApplySecretLabelsAndReadBack(t *testing.T) {
	b, cs, _ := fakeBackend(t, nil)
	ctx := context.Background()
	spec := model.SecretSpec{Namespace: "harbor", Name: "harbor-admin", Type: "Opaque",
		Labels: map[string]string{"app": "harbor"}, Data: map[string][]byte{"password": []byte("s3cret-value")}}
	if err := b.ApplySecret(ctx, spec); err != nil {
		t.Fatal(err)
	}
	got, found, err := b.GetSecret(ctx, "harbor", "harbor-admin")
	if err != nil || !found {
		t.Fatalf("GetSecret: found %v err %v", found, err)
	}
	if got.Labels[ManagedByLabel] != ManagedByValue || got.Labels["app"] != "harbor" || string(got.Data["password"]) != "s3cret-value" {
		t.Errorf("read back labels %v data keys %d", got.Labels, len(got.Data))
	}
	s, err := cs.CoreV1().Secrets("harbor").Get(ctx, "harbor-admin", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var byUs bool
	for _, mf := range s.ManagedFields {
		byUs = byUs || mf.Manager == FieldManager
	}
	if !byUs {
		t.Errorf("managed fields %v: no entry of %s", s.ManagedFields, FieldManager)
	}

	// A Secret a chart adopts keeps Helm's ownership label.
	adopted := model.SecretSpec{Namespace: "harbor", Name: "core-token", Type: "kubernetes.io/tls",
		Labels:      map[string]string{ManagedByLabel: "Helm"},
		Annotations: map[string]string{"meta.helm.sh/release-name": "harbor", "meta.helm.sh/release-namespace": "harbor"},
		Data:        map[string][]byte{"tls.crt": []byte("c"), "tls.key": []byte("k")}}
	if err := b.ApplySecret(ctx, adopted); err != nil {
		t.Fatal(err)
	}
	got, _, _ = b.GetSecret(ctx, "harbor", "core-token")
	if got.Labels[ManagedByLabel] != "Helm" || got.Annotations["meta.helm.sh/release-name"] != "harbor" || got.Type != "kubernetes.io/tls" {
		t.Errorf("adopted Secret: labels %v annotations %v type %s", got.Labels, got.Annotations, got.Type)
	}

	if err := b.DeleteSecret(ctx, "harbor", "harbor-admin"); err != nil {
		t.Fatal(err)
	}
	if err := b.DeleteSecret(ctx, "harbor", "harbor-admin"); err != nil {
		t.Errorf("deleting a missing Secret: %v", err)
	}
	if _, found, err := b.GetSecret(ctx, "harbor", "harbor-admin"); found || err != nil {
		t.Errorf("after delete: found %v err %v", found, err)
	}
}

func TestConnectBackendNamesTheKubeconfig(t *testing.T) {
	_, err := ConnectBackend(t.TempDir()+"/missing", "", 0, BackendOptions{})
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Field != "kubeconfig" {
		t.Fatalf("error %v, want a ConfigError about the kubeconfig", err)
	}
}
