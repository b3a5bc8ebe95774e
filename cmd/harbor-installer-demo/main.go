// Command harbor-installer-demo starts the local simulated world — a real
// Kubernetes control plane with kwok playing three zones of nodes, Trident-
// and EBS-like storage classes, slapd, MinIO and a chart repository serving
// the project's test charts, all on loopback — writes answers that point at
// it, and runs harbor-installer against them so a newcomer can try the
// program without a cluster. It is what `make demo` runs.
//
// Everything it starts is SIMULATED: no container runs, the charts are test
// charts, and it all stops (processes, ports, files) on Ctrl-C.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/harbor-installer/harbor-installer/harness"
)

const domain = "harbor.demo.test"

func main() {
	bin := flag.String("bin", "bin/harbor-installer", "the harbor-installer binary to run")
	noWait := flag.Bool("no-wait", false, "stop right after the demo commands instead of waiting for Ctrl-C")
	wizard := flag.Bool("wizard", false, "open the wizard against the simulated world instead of running the demo commands")
	flag.Parse()
	if err := run(*bin, *noWait, *wizard); err != nil {
		fmt.Fprintln(os.Stderr, "demo: "+err.Error())
		os.Exit(1)
	}
}

func run(bin string, noWait, wizard bool) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("%s not found: run `make build` first", bin)
	}
	bin, _ = filepath.Abs(bin)

	fmt.Println("*** SIMULATED CLUSTER: kwok nodes, test charts, loopback services. Nothing here is a real registry. ***")
	startCtx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()

	fmt.Println("starting the Kubernetes control plane (etcd, kube-apiserver, controller-manager, scheduler, kwok)...")
	cluster, err := harness.StartCluster(startCtx, harness.ClusterOptions{})
	if err != nil {
		return err
	}
	defer cluster.Stop()
	// The operator stand-ins live as long as the world (ctx), not the
	// start deadline: with startCtx they stopped answering after three
	// minutes, and a later install waited forever for Velero's location.
	if err := cluster.StartOperators(ctx, harness.OperatorOptions{Trident: true, Velero: true}); err != nil {
		return err
	}
	fmt.Println("starting slapd and MinIO...")
	svc, err := harness.StartServices(startCtx, harness.ServicesOptions{LDAP: true, MinIO: true})
	if err != nil {
		return err
	}
	defer svc.Stop()
	fmt.Println("serving the test charts...")
	repo, err := harness.StartChartRepo(startCtx, "")
	if err != nil {
		return err
	}
	defer repo.Stop()

	dir := cluster.Dir
	if err := cluster.CreateTLSSecret(startCtx, svc.CA, "harbor", "harbor-tls", domain); err != nil {
		return err
	}
	bindPW := filepath.Join(dir, "ldap-bind-password")
	if err := os.WriteFile(bindPW, []byte(svc.LDAP.BindPassword+"\n"), 0o600); err != nil {
		return err
	}
	answersFile := filepath.Join(dir, "demo-answers.yaml")
	if err := os.WriteFile(answersFile, []byte(demoAnswers(cluster, svc, repo, bindPW)), 0o644); err != nil {
		return err
	}

	env := append(os.Environ(), "KUBECONFIG="+cluster.Kubeconfig)
	if wizard {
		// The wizard labels everything SIMULATED when this is set; the
		// terminal is handed over, and the world stops when it exits.
		cmd := exec.CommandContext(ctx, bin, "--answers", answersFile)
		cmd.Env = append(env, "HARBOR_INSTALLER_SIMULATED=1")
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		err := cmd.Run()
		fmt.Println("\nstopping the simulated world...")
		return err
	}
	for _, args := range [][]string{
		{"validate", "--answers", answersFile},
		{"render", "--answers", answersFile, "--out", filepath.Join(dir, "out")},
		{"install", "--dry-run", "--answers", answersFile},
	} {
		fmt.Printf("\n$ harbor-installer %v\n", args)
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env, cmd.Stdout, cmd.Stderr = env, os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Printf("(exit: %v)\n", err)
		}
	}

	fmt.Printf("\nThe simulated world keeps running. In another terminal:\n\n")
	fmt.Printf("  export KUBECONFIG=%s\n", cluster.Kubeconfig)
	fmt.Printf("  %s validate --answers %s\n", bin, answersFile)
	fmt.Printf("  %s render --answers %s --out out/\n\n", bin, answersFile)
	if noWait {
		return nil
	}
	fmt.Println("Press Ctrl-C to stop it; everything it started is removed.")
	<-ctx.Done()
	fmt.Println("\nstopping...")
	return nil
}

func demoAnswers(c *harness.Cluster, svc *harness.Services, repo *harness.ChartRepo, bindPW string) string {
	return fmt.Sprintf(`# SIMULATED demo answers written by harbor-installer-demo.
version: 1
cluster:
  kubeconfig: %[1]s
harbor:
  domain: %[2]s
  replicas: 2
tls:
  mode: secret
  secretName: harbor-tls
  caFile: %[3]s
ingress:
  className: nginx
  controller: nginx
storage:
  provider: trident
  storageClass: ontap-nas
minio:
  enabled: true
  zones: 1
  nodesPerZone: 4
  drivesPerNode: 2
  volumeSize: 10Gi
  memoryRequest: 512Mi
ldap:
  enabled: true
  url: %[4]s
  caFile: %[3]s
  bindDN: %[5]s
  bindPassword: file:%[6]s
  baseDN: %[7]s
  filter: "(objectClass=inetOrgPerson)"
  groupBaseDN: %[8]s
  groupAdminDN: %[9]s
  testUser: %[10]s
backup:
  enabled: true
charts:
  harbor: {source: %[11]s, name: harbor, version: 1.19.1}
  minio: {source: %[11]s, name: minio, version: 5.4.0}
  trident: {source: %[11]s, name: trident-operator, version: 100.2606.0}
  velero: {source: %[11]s, name: velero, version: 12.1.0}
`, c.Kubeconfig, domain, svc.CA.CertFile, svc.LDAP.LDAPSURL, svc.LDAP.BindDN, bindPW, svc.LDAP.BaseDN,
		harness.LDAPGroupsDN, harness.LDAPAdminGroupDN, harness.LDAPUserAlice, repo.URL)
}
