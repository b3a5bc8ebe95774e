package kube

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	"github.com/harbor-installer/harbor-installer/kube/model"
)

// EnsureNamespace creates the namespace if it is missing; created says
// whether it did. A namespace being deleted is an error: objects put in it
// would vanish with it.
func (b *Backend) EnsureNamespace(ctx context.Context, name string) (bool, error) {
	ctx, cancel := b.requestCtx(ctx)
	defer cancel()
	ns, err := b.cs.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	if err == nil {
		if ns.Status.Phase == corev1.NamespaceTerminating {
			return false, fmt.Errorf("namespace %s is being deleted; wait until it is gone and run again", name)
		}
		return false, nil
	}
	if !apierrors.IsNotFound(err) {
		return false, fmt.Errorf("get namespace %s: %w", name, err)
	}
	_, err = b.cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{FieldManager: FieldManager})
	if apierrors.IsAlreadyExists(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create namespace %s: %w", name, err)
	}
	return true, nil
}

// GetSecret reads a Secret; found is false when it does not exist.
func (b *Backend) GetSecret(ctx context.Context, namespace, name string) (*model.SecretState, bool, error) {
	ctx, cancel := b.requestCtx(ctx)
	defer cancel()
	s, err := b.cs.CoreV1().Secrets(namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("get Secret %s/%s: %w", namespace, name, scrub(err))
	}
	return &model.SecretState{Labels: s.Labels, Annotations: s.Annotations, Type: string(s.Type), Data: s.Data}, true, nil
}

// ApplySecret creates or updates a Secret by server-side apply with field
// manager harbor-installer, forcing ownership of the fields it sets (a
// Secret first made by hand or by a chart is taken over, not refused). It
// labels the Secret app.kubernetes.io/managed-by=harbor-installer unless
// spec.Labels already names a manager: an adopted Secret that a Helm chart
// also lists keeps managed-by=Helm (with its meta.helm.sh annotations from
// spec.Annotations), or Helm would refuse to adopt it. Errors never carry the
// Secret's data: the API server's message is replaced when it quotes the
// object.
func (b *Backend) ApplySecret(ctx context.Context, s model.SecretSpec) error {
	if s.Namespace == "" || s.Name == "" {
		return fmt.Errorf("apply Secret: namespace and name are required (got %q/%q)", s.Namespace, s.Name)
	}
	labels := map[string]string{}
	for k, v := range s.Labels {
		labels[k] = v
	}
	if labels[ManagedByLabel] == "" {
		labels[ManagedByLabel] = ManagedByValue
	}
	typ := corev1.SecretType(s.Type)
	if typ == "" {
		typ = corev1.SecretTypeOpaque
	}
	ac := corev1ac.Secret(s.Name, s.Namespace).WithType(typ).WithLabels(labels).WithData(s.Data)
	if len(s.Annotations) > 0 {
		ac = ac.WithAnnotations(s.Annotations)
	}
	ctx, cancel := b.requestCtx(ctx)
	defer cancel()
	_, err := b.cs.CoreV1().Secrets(s.Namespace).Apply(ctx, ac, metav1.ApplyOptions{FieldManager: FieldManager, Force: true})
	if err != nil {
		return fmt.Errorf("apply Secret %s/%s: %w", s.Namespace, s.Name, scrub(err))
	}
	return nil
}

// DeleteSecret removes a Secret (uninstall --purge); a missing one is fine.
func (b *Backend) DeleteSecret(ctx context.Context, namespace, name string) error {
	ctx, cancel := b.requestCtx(ctx)
	defer cancel()
	err := b.cs.CoreV1().Secrets(namespace).Delete(ctx, name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete Secret %s/%s: %w", namespace, name, scrub(err))
	}
	return nil
}

// requestCtx bounds one request by the backend's request timeout.
func (b *Backend) requestCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, b.opts.RequestTimeout)
}

// scrub keeps an API error's kind and reason but drops its message when
// that could quote an object's content (invalid values echo the field).
func scrub(err error) error {
	var st apierrors.APIStatus
	if se, ok := err.(apierrors.APIStatus); ok {
		st = se
	} else {
		return err
	}
	reason := apierrors.ReasonForError(err)
	if reason == metav1.StatusReasonInvalid || reason == metav1.StatusReasonBadRequest {
		code := st.Status().Code
		return fmt.Errorf("the API server refused it (%s, HTTP %d; details withheld: they may quote Secret data)", reason, code)
	}
	return err
}
