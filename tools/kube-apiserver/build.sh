#!/usr/bin/env bash
# Builds the kube-apiserver wrapper in this folder once per Kubernetes version into the cache
# and prints the binary's path (../build-cached.sh says where, and how it is reused).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
version=$(sed -n 's/^[[:space:]]*k8s\.io\/kubernetes \(v[^[:space:]]*\).*/\1/p' "$here/go.mod" | head -1)
minor=${version#v1.}
minor=${minor%%.*}
# The version package is filled in by Kubernetes' own release build; without these flags the
# server reports v0.0.0-master on /version.
exec "$here/../build-cached.sh" "$here" k8s.io/kubernetes kube-apiserver -ldflags "-s -w
 -X k8s.io/component-base/version.gitVersion=$version
 -X k8s.io/component-base/version.gitMajor=1
 -X k8s.io/component-base/version.gitMinor=$minor
 -X k8s.io/component-base/version.gitTreeState=clean"
