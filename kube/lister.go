package kube

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
)

// Listers: what the wizard offers as choices. Each returns plain structs so
// the wizard never touches client-go types, and each is one bounded request.

// KubeContext is one context of a kubeconfig.
type KubeContext struct {
	Name    string
	Server  string
	Current bool
}

// Contexts lists the contexts of the kubeconfig client-go's loading rules find
// (kubeconfig, else KUBECONFIG, else ~/.kube/config), current first. It reads
// files only; no server is contacted.
func Contexts(kubeconfig string) ([]KubeContext, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	raw, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).RawConfig()
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig: %w", err)
	}
	var out []KubeContext
	for name, c := range raw.Contexts {
		kc := KubeContext{Name: name, Current: name == raw.CurrentContext}
		if cl := raw.Clusters[c.Cluster]; cl != nil {
			kc.Server = cl.Server
		}
		out = append(out, kc)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Current != out[j].Current {
			return out[i].Current
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// StorageClassInfo is a StorageClass as the wizard lists it.
type StorageClassInfo struct {
	Name        string
	Provisioner string
	Default     bool
	// AccessModes are what the provisioner is known to give; empty when unknown.
	AccessModes []string
}

// knownAccessModes maps well-known provisioners to the access modes their
// volumes support; others are shown without.
var knownAccessModes = map[string][]string{
	"csi.trident.netapp.io": {"ReadWriteMany", "ReadWriteOnce"},
	"ebs.csi.aws.com":       {"ReadWriteOnce"},
	"efs.csi.aws.com":       {"ReadWriteMany"},
	"nfs.csi.k8s.io":        {"ReadWriteMany", "ReadWriteOnce"},
	"rancher.io/local-path": {"ReadWriteOnce"},
}

// ListStorageClasses lists every StorageClass, the default first.
func (c *Client) ListStorageClasses(ctx context.Context) ([]StorageClassInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	list, err := c.Clientset.StorageV1().StorageClasses().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list StorageClasses: %w", err)
	}
	var out []StorageClassInfo
	for _, sc := range list.Items {
		out = append(out, StorageClassInfo{
			Name: sc.Name, Provisioner: sc.Provisioner,
			Default: sc.Annotations["storageclass.kubernetes.io/is-default-class"] == "true" ||
				sc.Annotations["storageclass.beta.kubernetes.io/is-default-class"] == "true",
			AccessModes: knownAccessModes[sc.Provisioner],
		})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Default != out[j].Default {
			return out[i].Default
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// TLSSecretInfo is a kubernetes.io/tls Secret: its certificate's names and
// expiry, never its key.
type TLSSecretInfo struct {
	Name     string
	DNSNames []string
	NotAfter time.Time
	// Problem says why the certificate could not be read; empty when it could.
	Problem string
}

// ListTLSSecrets lists the kubernetes.io/tls Secrets in namespace. A missing
// namespace is an empty list.
func (c *Client) ListTLSSecrets(ctx context.Context, namespace string) ([]TLSSecretInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	list, err := c.Clientset.CoreV1().Secrets(namespace).List(ctx, metav1.ListOptions{FieldSelector: "type=" + string(corev1.SecretTypeTLS)})
	if err != nil {
		return nil, fmt.Errorf("list TLS Secrets in %s: %w", namespace, err)
	}
	var out []TLSSecretInfo
	for _, s := range list.Items {
		if s.Type != corev1.SecretTypeTLS {
			continue // servers honour the field selector; be sure anyway
		}
		info := TLSSecretInfo{Name: s.Name}
		block, _ := pem.Decode(s.Data[corev1.TLSCertKey])
		if block == nil {
			info.Problem = "no PEM certificate in tls.crt"
		} else if cert, err := x509.ParseCertificate(block.Bytes); err != nil {
			info.Problem = "tls.crt: " + err.Error()
		} else {
			info.DNSNames = cert.DNSNames
			info.NotAfter = cert.NotAfter
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// IngressClassInfo is an IngressClass and its controller.
type IngressClassInfo struct {
	Name       string
	Controller string
	Default    bool
}

// ListIngressClasses lists every IngressClass, the default first.
func (c *Client) ListIngressClasses(ctx context.Context) ([]IngressClassInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	list, err := c.Clientset.NetworkingV1().IngressClasses().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list IngressClasses: %w", err)
	}
	var out []IngressClassInfo
	for _, ic := range list.Items {
		out = append(out, IngressClassInfo{Name: ic.Name, Controller: ic.Spec.Controller,
			Default: ic.Annotations["ingressclass.kubernetes.io/is-default-class"] == "true"})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Default != out[j].Default {
			return out[i].Default
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// ZoneInfo is one topology zone and how many schedulable nodes it has.
type ZoneInfo struct {
	Name  string
	Nodes int
}

// NodeZones counts the schedulable nodes per topology.kubernetes.io/zone,
// in zone order; nodes without the label count under "".
func (c *Client) NodeZones(ctx context.Context) ([]ZoneInfo, error) {
	nodes, err := c.Nodes(ctx)
	if err != nil {
		return nil, err
	}
	count := map[string]int{}
	for _, n := range nodes {
		if n.Spec.Unschedulable || hasNoSchedule(n) {
			continue
		}
		count[n.Labels[corev1.LabelTopologyZone]]++
	}
	var out []ZoneInfo
	for z, n := range count {
		out = append(out, ZoneInfo{Name: z, Nodes: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// hasNoSchedule reports a control-plane style taint that keeps workloads off.
func hasNoSchedule(n corev1.Node) bool {
	for _, t := range n.Spec.Taints {
		if t.Effect == corev1.TaintEffectNoSchedule && strings.HasPrefix(t.Key, "node-role.kubernetes.io/") {
			return true
		}
	}
	return false
}
