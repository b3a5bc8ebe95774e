// Command harbor-installer stands up a private, highly available Harbor
// registry on Kubernetes: it asks for (or reads) the answers, checks them
// against the real systems, renders the Helm values and installs the charts.
package main

import (
	"os"

	"github.com/harbor-installer/harbor-installer/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
