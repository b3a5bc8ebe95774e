// Command harbor-installer-demo starts the local simulated world — a real
// Kubernetes control plane with kwok playing three zones of nodes, Trident-
// and EBS-like storage classes, slapd, MinIO and a chart repository serving
// the project's test charts, all on loopback — writes answers that point at
// it, and runs harbor-installer against them so a newcomer can try the
// program without a cluster. It is what `make demo` runs.
//
// Without a terminal (or with -script) it installs the demo plan with the
// install engine, runs the same install again (every release unchanged) and
// shows `status`. On a terminal it opens the wizard instead: it runs the
// binary with no command, stdin and stdout on the terminal, in the demo's
// environment (KUBECONFIG and HARBOR_INSTALLER_CHART_MIRROR), which is the
// wizard's entry point. The charts come from the loopback repository
// through HARBOR_INSTALLER_CHART_MIRROR, as the presets' pinned upstream
// URLs are unreachable here.
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
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/harbor-installer/harbor-installer/harness"
)

const domain = "harbor.demo.test"

func main() {
	bin := flag.String("bin", "bin/harbor-installer", "the harbor-installer binary to run")
	noWait := flag.Bool("no-wait", false, "stop right after the demo commands instead of waiting for Ctrl-C")
	script := flag.Bool("script", false, "run the scripted install (install, install again, status) even on a terminal, instead of the wizard")
	flag.Parse()
	wizard := !*script && term.IsTerminal(int(os.Stdin.Fd())) && term.IsTerminal(int(os.Stdout.Fd()))
	if err := run(*bin, *noWait, wizard); err != nil {
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
	// The operator stand-ins live until the demo stops, not just its start.
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
	if err := os.WriteFile(answersFile, []byte(demoAnswers(cluster, svc, bindPW)), 0o644); err != nil {
		return err
	}

	env := append(os.Environ(), "KUBECONFIG="+cluster.Kubeconfig, "HARBOR_INSTALLER_CHART_MIRROR="+repo.URL)
	runBin := func(args ...string) error {
		fmt.Printf("\n$ harbor-installer %s\n", strings.Join(args, " "))
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = env, os.Stdin, os.Stdout, os.Stderr
		err := cmd.Run()
		if err != nil {
			fmt.Printf("(exit: %v)\n", err)
		}
		return err
	}
	if wizard {
		// The wizard: the binary with no command, on this terminal, starting
		// from the demo answers. HARBOR_INSTALLER_SIMULATED labels every
		// screen SIMULATED; the world stops when the wizard exits.
		fmt.Println("\nopening the wizard (run `make demo` without a terminal, or the demo with -script, for the scripted install)...")
		env = append(env, "HARBOR_INSTALLER_SIMULATED=1")
		err := runBin("--answers", answersFile)
		fmt.Println("\nstopping the simulated world...")
		return err
	} else {
		for _, args := range [][]string{
			{"validate", "--answers", answersFile},
			{"install", "--answers", answersFile, "--yes"},
			// The same answers again: every release unchanged, in seconds.
			{"install", "--answers", answersFile, "--yes"},
			{"status", "--answers", answersFile},
		} {
			if err := runBin(args...); err != nil && args[0] != "validate" {
				return fmt.Errorf("harbor-installer %s failed", strings.Join(args, " "))
			}
		}
	}

	fmt.Printf("\nThe simulated world keeps running. In another terminal:\n\n")
	fmt.Printf("  export KUBECONFIG=%s\n", cluster.Kubeconfig)
	fmt.Printf("  export HARBOR_INSTALLER_CHART_MIRROR=%s   # the presets' charts, from the loopback repository\n", repo.URL)
	fmt.Printf("  %s status --answers %s\n", bin, answersFile)
	fmt.Printf("  %s diff --answers %s\n", bin, answersFile)
	fmt.Printf("  %s install --preset eks-minio --set harbor.domain=registry.test --set harbor.namespace=eks --set minio.namespace=eks-minio --set backup.enabled=false --yes\n\n", bin)
	if noWait {
		return nil
	}
	fmt.Println("Press Ctrl-C to stop it; everything it started is removed.")
	<-ctx.Done()
	fmt.Println("\nstopping...")
	return nil
}

func demoAnswers(c *harness.Cluster, svc *harness.Services, bindPW string) string {
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
`, c.Kubeconfig, domain, svc.CA.CertFile, svc.LDAP.LDAPSURL, svc.LDAP.BindDN, bindPW, svc.LDAP.BaseDN,
		harness.LDAPGroupsDN, harness.LDAPAdminGroupDN, harness.LDAPUserAlice)
}
