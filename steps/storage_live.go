package steps

import (
	"context"
	"fmt"
	"strings"

	storagev1 "k8s.io/api/storage/v1"

	"github.com/harbor-installer/harbor-installer/answers"
)

// Provisioners of the providers the installer knows.
const (
	TridentProvisioner = "csi.trident.netapp.io"
	EBSProvisioner     = "ebs.csi.aws.com"
)

var providerProvisioners = map[string]string{"trident": TridentProvisioner, "ebs": EBSProvisioner}

// classAccess says what a StorageClass can really give, from its
// provisioner: rwx true for shared-filesystem drivers, false for block
// drivers; known false when the driver is not one we know (then the
// answers' storage.accessMode is trusted).
func classAccess(sc *storagev1.StorageClass) (rwx, known bool) {
	switch sc.Provisioner {
	case TridentProvisioner:
		switch sc.Parameters["backendType"] {
		case "ontap-nas", "ontap-nas-economy", "ontap-nas-flexgroup", "azure-netapp-files", "google-cloud-netapp-volumes", "gcp-cvs":
			return true, true
		case "":
			return false, false
		}
		return false, true
	case EBSProvisioner, "kubernetes.io/aws-ebs", "pd.csi.storage.gke.io", "kubernetes.io/gce-pd",
		"disk.csi.azure.com", "kubernetes.io/azure-disk", "rbd.csi.ceph.com", "rancher.io/local-path",
		"kubernetes.io/no-provisioner", "topolvm.io", "cinder.csi.openstack.org", "csi.vsphere.vmware.com":
		return false, true
	case "efs.csi.aws.com", "nfs.csi.k8s.io", "cephfs.csi.ceph.com", "file.csi.azure.com", "kubernetes.io/azure-file",
		"filestore.csi.storage.gke.io", "smb.csi.k8s.io":
		return true, true
	}
	return false, false
}

// storageLive checks the StorageClass against the provider and what the plan
// needs of it, and, when Trident is to be installed, the cluster has none
// yet and the ONTAP management LIF answers with Trident's credentials.
func storageLive(ctx context.Context, a *answers.Answers, env *Env) []Finding {
	install := a.Storage.Provider == "trident" && a.Storage.Trident.Install
	var fns []func() []Finding
	if env.Cluster == nil {
		fns = append(fns, func() []Finding { return noCluster("storage.storageClass") })
	} else {
		fns = append(fns, func() []Finding { return checkStorageClass(ctx, a, env) })
		if a.MinIO.Enabled && a.MinIOStorageClass() != a.Storage.StorageClass {
			fns = append(fns, func() []Finding { return checkMinIOClass(ctx, a, env) })
		}
		if install {
			fns = append(fns, func() []Finding { return checkExistingTrident(ctx, a, env) })
		}
	}
	if install {
		fns = append(fns, func() []Finding { return checkONTAP(ctx, a, env.timeout(), nil) })
	}
	return Parallel(fns...)
}

func checkStorageClass(ctx context.Context, a *answers.Answers, env *Env) []Finding {
	const key = "storage.storageClass"
	install := a.Storage.Provider == "trident" && a.Storage.Trident.Install
	name := a.Storage.StorageClass
	var sc *storagev1.StorageClass
	var err error
	var out []Finding
	if name == "" {
		defs, err := env.Cluster.DefaultStorageClasses(ctx)
		if err != nil {
			return []Finding{fail(key, "cannot list StorageClasses: "+errText(err, env.timeout()), "check this user may list StorageClasses")}
		}
		switch len(defs) {
		case 0:
			return []Finding{fail(key, "empty, and the cluster has no default StorageClass: every volume would stay Pending",
				"name a StorageClass (kubectl get storageclass), or mark one as the default")}
		case 1:
		default:
			names := make([]string, len(defs))
			for i, d := range defs {
				names[i] = d.Name
			}
			out = append(out, warn(key, "empty, and several classes are marked default: "+quoteList(names), "name the class to use"))
		}
		sc = &defs[0]
		name = sc.Name
	} else if sc, err = env.Cluster.StorageClass(ctx, name); err != nil {
		return []Finding{fail(key, fmt.Sprintf("cannot read StorageClass %s: %s", name, errText(err, env.timeout())), "check this user may get StorageClasses")}
	}
	if sc == nil {
		if install {
			return append(out, ok(key, fmt.Sprintf("StorageClass %s does not exist yet: the installer creates it for Trident ontap-nas (ReadWriteMany)", name)))
		}
		return append(out, fail(key, "no StorageClass "+name, "name an existing class (kubectl get storageclass), or set storage.trident.install to create an ontap-nas class"))
	}
	if want := providerProvisioners[a.Storage.Provider]; want != "" && sc.Provisioner != want {
		return append(out, fail(key, fmt.Sprintf("StorageClass %s is provisioned by %s, not %s as storage.provider %s needs", name, sc.Provisioner, want, a.Storage.Provider),
			"name a class of that provider, or set storage.provider to match the class (existing for any other)"))
	}
	out = append(out, checkClassAccess(a, sc)...)
	if f := checkCSIDriver(ctx, env, key, sc, install); f != nil {
		out = append(out, *f)
	}
	return out
}

// checkClassAccess compares what the plan needs (ReadWriteMany when more
// than one registry or jobservice pod shares a filesystem volume) with what
// the class's driver can give.
func checkClassAccess(a *answers.Answers, sc *storagev1.StorageClass) []Finding {
	rwx, known := classAccess(sc)
	reg, job := a.Harbor.Replicas.Of("registry"), a.Harbor.Replicas.Of("jobservice")
	claimed := a.AccessMode()
	// Registry pods share the blob volume when blobs live on a filesystem;
	// jobservice pods share the job-log volume when the plan keeps file logs,
	// which it does with blobs on a filesystem or a class said to give
	// ReadWriteMany (otherwise job logs go to the database).
	regShares := a.BlobStore() == "filesystem" && reg > 1
	jobShares := job > 1 && (a.BlobStore() == "filesystem" || claimed == "ReadWriteMany")
	needRWX := regShares || jobShares
	modes := "ReadWriteOnce only"
	if rwx {
		modes = "ReadWriteMany"
	}
	info := fmt.Sprintf("StorageClass %s: provisioner %s, volumeBindingMode %s, allowVolumeExpansion %t",
		sc.Name, sc.Provisioner, bindingMode(sc), sc.AllowVolumeExpansion != nil && *sc.AllowVolumeExpansion)
	switch {
	case !known:
		return []Finding{ok("storage.storageClass", info+fmt.Sprintf("; its access modes are not known here, so storage.accessMode (%s) is trusted", claimed))}
	case !rwx && needRWX:
		hint := "use a ReadWriteMany class (Trident ontap-nas), keep image blobs in MinIO (minio.enabled) or S3, or run 1 registry and 1 jobservice replica"
		if claimed == "ReadWriteMany" {
			hint += "; and set storage.accessMode to ReadWriteOnce (or leave it empty)"
		}
		var sharing []string
		if regShares {
			sharing = append(sharing, fmt.Sprintf("%d registry replicas share the blob volume", reg))
		}
		if jobShares {
			sharing = append(sharing, fmt.Sprintf("%d jobservice replicas share the job-log volume", job))
		}
		return []Finding{fail("harbor.replicas", fmt.Sprintf("%s, but StorageClass %s (%s) gives %s: the second pod fails with a Multi-Attach error",
			strings.Join(sharing, " and "), sc.Name, sc.Provisioner, modes), hint)}
	case !rwx && claimed == "ReadWriteMany":
		return []Finding{ok("storage.storageClass", info+"; gives "+modes),
			warn("storage.accessMode", fmt.Sprintf("ReadWriteMany, but StorageClass %s (%s) gives %s", sc.Name, sc.Provisioner, modes), "set it to ReadWriteOnce or leave it empty")}
	}
	return []Finding{ok("storage.storageClass", info+"; gives "+modes)}
}

func bindingMode(sc *storagev1.StorageClass) string {
	if sc.VolumeBindingMode == nil {
		return string(storagev1.VolumeBindingImmediate)
	}
	return string(*sc.VolumeBindingMode)
}

// checkCSIDriver reports a CSI class whose driver is not registered: its
// claims would stay Pending. In-tree provisioners (kubernetes.io/...) have
// no CSIDriver object; Trident's arrives with its install.
func checkCSIDriver(ctx context.Context, env *Env, key string, sc *storagev1.StorageClass, willInstall bool) *Finding {
	p := sc.Provisioner
	if strings.HasPrefix(p, "kubernetes.io/") || !strings.Contains(p, ".") || (willInstall && p == TridentProvisioner) {
		return nil
	}
	d, err := env.Cluster.CSIDriver(ctx, p)
	switch {
	case err != nil:
		f := warn(key, fmt.Sprintf("cannot read CSIDriver %s: %s", p, errText(err, env.timeout())), "check this user may get CSIDrivers")
		return &f
	case d == nil:
		f := fail(key, fmt.Sprintf("StorageClass %s names provisioner %s, but no CSIDriver %s is registered: volumes would stay Pending", sc.Name, p, p),
			"install the CSI driver, or pick a class whose driver runs")
		return &f
	}
	return nil
}

func checkMinIOClass(ctx context.Context, a *answers.Answers, env *Env) []Finding {
	const key = "minio.storageClass"
	name := a.MinIO.StorageClass
	sc, err := env.Cluster.StorageClass(ctx, name)
	switch {
	case err != nil:
		return []Finding{fail(key, fmt.Sprintf("cannot read StorageClass %s: %s", name, errText(err, env.timeout())), "check this user may get StorageClasses")}
	case sc == nil:
		return []Finding{fail(key, "no StorageClass "+name, "name an existing class, or leave it empty to use storage.storageClass")}
	}
	out := []Finding{ok(key, fmt.Sprintf("StorageClass %s: provisioner %s, volumeBindingMode %s", name, sc.Provisioner, bindingMode(sc)))}
	if f := checkCSIDriver(ctx, env, key, sc, false); f != nil {
		out = append(out, *f)
	}
	return out
}

// checkExistingTrident refuses a second Trident: only one may run per
// cluster. One in storage.trident.namespace is upgraded in place.
func checkExistingTrident(ctx context.Context, a *answers.Answers, env *Env) []Finding {
	const key = "storage.trident.install"
	t, err := env.Cluster.Trident(ctx)
	if err != nil {
		return []Finding{warn(key, "cannot look for an existing Trident: "+errText(err, env.timeout()), "check with `kubectl get tridentorchestrators` and `kubectl get deploy -A | grep trident`")}
	}
	if !t.Found() {
		return []Finding{ok(key, "no Trident runs in the cluster yet")}
	}
	ns := a.Storage.Trident.Namespace
	var elsewhere []string
	for _, n := range t.Namespaces {
		if n != ns {
			elsewhere = append(elsewhere, n)
		}
	}
	seen := "Trident already runs"
	if len(t.Orchestrators) > 0 {
		seen += ": TridentOrchestrator " + quoteList(t.Orchestrators)
	}
	if len(t.Namespaces) > 0 {
		seen += "; trident-controller in " + quoteList(t.Namespaces)
	}
	if len(elsewhere) > 0 {
		return []Finding{fail(key, seen, fmt.Sprintf("only one Trident may run per cluster: set storage.trident.install false and use its StorageClass, or set storage.trident.namespace to %s", elsewhere[0]))}
	}
	return []Finding{ok(key, seen+" in "+ns+": the installer upgrades it")}
}
