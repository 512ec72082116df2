// Command dapr-inject turns the pod template of a Deployment into the Pod that Dapr's sidecar
// injector would admit: it runs the injector's own patch code (github.com/dapr/dapr, a library
// here) with the settings of a default Helm install, and prints the patched Pod as JSON. The
// webhook itself (TLS, Sentry, the operator) is not run; tests dry-run the Pod it prints.
//
// Usage: dapr-inject -trust-anchors ca.pem [-namespace default] [-sidecar-image IMAGE] < deployment.yaml
// An app id the injector refuses exits 1 with the injector's message on stderr.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	injectorConsts "github.com/dapr/dapr/pkg/injector/consts"
	"github.com/dapr/dapr/pkg/injector/patcher"
)

// The values a default `helm install dapr` gives the injector (charts/dapr values.yaml).
const (
	controlPlaneNamespace = "dapr-system"
	clusterDomain         = "cluster.local"
	trustDomain           = "cluster.local"
)

func main() {
	namespace := flag.String("namespace", "default", "namespace the pod is created in")
	image := flag.String("sidecar-image", "ghcr.io/dapr/daprd:1.18.3", "daprd image")
	anchorsFile := flag.String("trust-anchors", "", "PEM file: the trust bundle Sentry would hand out")
	flag.Parse()
	if err := run(os.Stdin, os.Stdout, *namespace, *image, *anchorsFile); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(in io.Reader, out io.Writer, namespace, image, anchorsFile string) error {
	anchors, err := os.ReadFile(anchorsFile)
	if err != nil {
		return fmt.Errorf("trust anchors: %w", err)
	}
	manifest, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	var deployment appsv1.Deployment
	if err := yaml.UnmarshalStrict(manifest, &deployment); err != nil {
		return fmt.Errorf("not a Deployment: %w", err)
	}
	pod := podFromTemplate(&deployment, namespace)

	sidecar := patcher.NewSidecarConfig(pod)
	sidecar.Mode = injectorConsts.ModeKubernetes
	sidecar.Namespace = namespace
	sidecar.MTLSEnabled = true
	sidecar.Identity = namespace + ":" + pod.Spec.ServiceAccountName
	sidecar.ImagePullPolicy = corev1.PullIfNotPresent
	sidecar.OperatorAddress = patcher.ServiceAPI.Address(controlPlaneNamespace, clusterDomain)
	sidecar.SentryAddress = patcher.ServiceSentry.Address(controlPlaneNamespace, clusterDomain)
	sidecar.PlacementAddress = patcher.ServicePlacement.Address(controlPlaneNamespace, clusterDomain)
	sidecar.RunAsNonRoot = true
	sidecar.ReadOnlyRootFilesystem = true
	sidecar.SidecarDropALLCapabilities = true
	sidecar.ControlPlaneNamespace = controlPlaneNamespace
	sidecar.ControlPlaneTrustDomain = trustDomain
	sidecar.SentrySPIFFEID = "spiffe://" + trustDomain + "/ns/" + controlPlaneNamespace + "/dapr-sentry"
	sidecar.CurrentTrustAnchors = anchors
	sidecar.KubeClusterDomain = clusterDomain
	sidecar.SchedulerEnabled = true
	sidecar.SidecarImage = image
	sidecar.SetFromPodAnnotations()

	patch, err := sidecar.GetPatch()
	if err != nil {
		return err
	}
	original, err := json.Marshal(pod)
	if err != nil {
		return err
	}
	patched := original
	if len(patch) > 0 {
		if patched, err = patch.Apply(original); err != nil {
			return fmt.Errorf("applying the injector's patch: %w", err)
		}
	}
	_, err = out.Write(append(patched, '\n'))
	return err
}

// podFromTemplate is the Pod a ReplicaSet of the Deployment would create, as the webhook sees
// it on CREATE: the template's metadata and spec, a generated-looking name, the namespace.
func podFromTemplate(deployment *appsv1.Deployment, namespace string) *corev1.Pod {
	template := deployment.Spec.Template
	pod := &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: *template.ObjectMeta.DeepCopy(),
		Spec:       *template.Spec.DeepCopy(),
	}
	pod.Name = deployment.Name + "-injected"
	pod.Namespace = namespace
	if pod.Spec.ServiceAccountName == "" {
		pod.Spec.ServiceAccountName = "default"
	}
	return pod
}
