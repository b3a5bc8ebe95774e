package render

import (
	"github.com/harbor-installer/harbor-installer/answers"
)

// tridentRelease is the Trident operator's release name.
const tridentRelease = "trident-operator"

// addTrident installs the Trident operator, then (as Objects after it) an
// ontap-nas TridentBackendConfig and the StorageClass every PVC uses. The
// ONTAP credentials Secret is in Plan.Secrets with the others, so all secret
// material goes through one path; the backend refers to it by name.
func addTrident(p *Plan, a *answers.Answers) error {
	t := a.Storage.Trident
	ns := t.Namespace
	const release = tridentRelease
	creds := t.BackendName + "-ontap-credentials"
	p.Secrets = append(p.Secrets, Secret{
		Name: creds, Namespace: ns, Type: "Opaque",
		Purpose: "TridentBackendConfig " + t.BackendName + " spec.credentials",
		Keys: []SecretKey{
			{Key: "username", From: plain("storage.trident.username", t.Username)},
			{Key: "password", From: answerSource("storage.trident.password", t.Password, false, 0)},
		},
	})
	p.addRelease(Release{
		Name: release, Namespace: ns, Chart: a.Charts.Trident,
		Values: map[string]any{},
		Waits: []Wait{
			workload("Deployment", "trident-operator", ns),
			// The operator, not Helm, creates trident-controller and
			// trident-node-linux; the orchestrator's status covers them.
			{
				APIVersion: "trident.netapp.io/v1", Kind: "TridentOrchestrator", Name: "trident",
				Ready:  []FieldMatch{{Path: ".status.status", Value: "Installed"}},
				Failed: []FieldMatch{{Path: ".status.status", Value: "Failed"}},
			},
		},
	})
	spec := map[string]any{
		"version":           1,
		"storageDriverName": "ontap-nas",
		"managementLIF":     t.ManagementLIF,
		"svm":               t.SVM,
		"backendName":       t.BackendName,
		"credentials":       map[string]any{"name": creds},
	}
	if t.DataLIF != "" {
		spec["dataLIF"] = t.DataLIF
	}
	var files []FileValue
	if t.CAFile != "" {
		// trustedCACertificate takes the base64 of the PEM itself; the
		// engine fills it from storage.trident.caFile before applying.
		spec["trustedCACertificate"] = ""
		files = append(files, FileValue{Path: "spec.trustedCACertificate", Answer: "storage.trident.caFile", File: t.CAFile, Encoding: EncodingBase64})
	}
	p.Objects = append(p.Objects,
		Object{
			FileValues: files,
			APIVersion: "trident.netapp.io/v1", Kind: "TridentBackendConfig", Name: t.BackendName, Namespace: ns,
			After:   release,
			Content: map[string]any{"spec": spec},
			Ready: []FieldMatch{
				{Path: ".status.phase", Value: "Bound"},
				{Path: ".status.lastOperationStatus", Value: "Success"},
			},
			Failed: []FieldMatch{{Path: ".status.lastOperationStatus", Value: "Failed"}},
		},
		Object{
			APIVersion: "storage.k8s.io/v1", Kind: "StorageClass", Name: a.Storage.StorageClass,
			After: release,
			Content: map[string]any{
				"provisioner":          "csi.trident.netapp.io",
				"parameters":           map[string]any{"backendType": "ontap-nas"},
				"allowVolumeExpansion": true,
				"reclaimPolicy":        "Retain",
			},
		},
	)
	return nil
}
