package steps

// ClusterProber is what live checks ask of the Kubernetes cluster. The
// kube package implements it with client-go; tests use the harness cluster.
type ClusterProber interface{}
