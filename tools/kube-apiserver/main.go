// Command kube-apiserver runs the Kubernetes API server from the k8s.io/kubernetes module, so
// daprlite's tests can dry-run manifests against the real admission and validation code.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	os.Exit(cli.Run(app.NewAPIServerCommand()))
}
