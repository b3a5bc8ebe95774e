// Command testworld is the local test world's control plane in one binary:
// etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok,
// chosen by the name it is started under (hack/build-tools.sh links each
// name to it). etcd is the version Kubernetes itself is built against: the
// 1.37 apiserver and its clients rely on etcd's watch progress requests,
// which Debian's etcd 3.4 lacks.
//
// One binary instead of five because a cold CI machine has two cores: the
// five programs share most of their packages, and one build links once and
// compiles the k8s.io libraries once, at the same versions the project's own
// tests compile, so the Go build cache serves both.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	_ "time/tzdata" // CronJob time zones, as in the upstream kube-controller-manager

	"github.com/spf13/pflag"
	"go.etcd.io/etcd/server/v3/etcdmain"
	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // JSON log format, as upstream
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go metrics, as upstream
	_ "k8s.io/component-base/metrics/prometheus/version"  // version metric, as upstream
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	kwokconfig "sigs.k8s.io/kwok/pkg/config"
	kwokcmd "sigs.k8s.io/kwok/pkg/kwok/cmd"
	kwoklog "sigs.k8s.io/kwok/pkg/log"
	"sigs.k8s.io/kwok/pkg/utils/signals"
)

// programs maps each name the binary answers to onto its upstream main.
var programs = map[string]func() int{
	"etcd":                    func() int { etcdmain.Main(os.Args); return 0 },
	"kube-apiserver":          func() int { return cli.Run(apiserver.NewAPIServerCommand()) },
	"kube-controller-manager": func() int { return cli.Run(controllermanager.NewControllerManagerCommand()) },
	"kube-scheduler":          func() int { return cli.Run(scheduler.NewSchedulerCommand()) },
	"kwok":                    runKwok,
}

func main() {
	name := program(filepath.Base(os.Args[0]))
	if name == "" && len(os.Args) > 1 {
		// testworld kube-apiserver --flags...: the name as first argument.
		if name = program(os.Args[1]); name != "" {
			os.Args = os.Args[1:]
		}
	}
	run, ok := programs[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "testworld: start me as one of etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok (got %q)\n", os.Args[0])
		os.Exit(2)
	}
	os.Exit(run())
}

// program returns the program a file name stands for: the cache names the
// links with a version suffix (kube-apiserver-v1.37.0).
func program(base string) string {
	longest := ""
	for name := range programs {
		if (base == name || strings.HasPrefix(base, name+"-")) && len(name) > len(longest) {
			longest = name
		}
	}
	return longest
}

// runKwok is sigs.k8s.io/kwok/cmd/kwok's main.
func runKwok() int {
	// cobra merges pflag.CommandLine into every root command, and the
	// Kubernetes packages linked in here register flags there at init (a
	// non-bool --version among them, which breaks cobra's). kwok gets a
	// clean global flag set, as in its own binary.
	pflag.CommandLine = pflag.NewFlagSet(os.Args[0], pflag.ExitOnError)

	flagset := pflag.NewFlagSet("global", pflag.ContinueOnError)
	flagset.ParseErrorsAllowlist.UnknownFlags = true
	flagset.Usage = func() {}

	ctx := signals.SetupSignalContext()
	ctx, logger := kwoklog.InitFlags(ctx, flagset)
	ctx, err := kwokconfig.InitFlags(ctx, flagset)
	if err != nil {
		_, _ = os.Stderr.Write([]byte(flagset.FlagUsages()))
		logger.Error("Init config flags", "err", err)
		return 1
	}
	command := kwokcmd.NewCommand(ctx)
	command.PersistentFlags().AddFlagSet(flagset)
	if err := command.ExecuteContext(ctx); err != nil {
		logger.Error("Execute exit", "err", err)
		return 1
	}
	return 0
}
