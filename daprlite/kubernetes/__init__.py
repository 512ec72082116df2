"""Moving to Kubernetes: what a cluster with Dapr's CRDs refuses or breaks, and the manifests of
`dapr run -f -k` (validation against Dapr's CRDs, lints, rendering, applying with kubectl)."""
