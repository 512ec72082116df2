#!/usr/bin/env bash
# Builds the wrapper in this folder into the cache once per Kubernetes version and prints the
# binary's path. Every module comes from the Go module proxy, pinned by go.mod and go.sum; a binary
# already in the cache is reused as it is. KAPI_BUILD_JOBS limits parallel compiles (default 2).
set -euo pipefail
cd "$(dirname "$0")"
# The machine's Go lives in /usr/local/go; a shell without it on PATH still finds it.
if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then
  PATH="/usr/local/go/bin:$PATH"
fi

version=$(go list -m -f '{{.Version}}' k8s.io/kubernetes)
cache_root=${DAPRLITE_CACHE:-$HOME/.cache/daprlite}
out_dir="$cache_root/kube-apiserver-$version"
binary="$out_dir/kube-apiserver"

if [[ -x $binary ]]; then
  echo "kube-apiserver $version: cached at $binary" >&2
  echo "$binary"
  exit 0
fi

mkdir -p "$out_dir"
minor=${version#v1.}
minor=${minor%%.*}
# The version package is filled in by Kubernetes' own release build; without these flags the
# server reports v0.0.0-master on /version.
ldflags="-s -w
 -X k8s.io/component-base/version.gitVersion=$version
 -X k8s.io/component-base/version.gitMajor=1
 -X k8s.io/component-base/version.gitMinor=$minor
 -X k8s.io/component-base/version.gitTreeState=clean"
partial="$binary.partial.$$"
trap 'rm -f "$partial"' EXIT
echo "kube-apiserver $version: building (several minutes the first time)" >&2
start=$SECONDS
nice -n 10 go build -mod=readonly -buildvcs=false -trimpath -p "${KAPI_BUILD_JOBS:-2}" -ldflags "$ldflags" \
  -o "$partial" .
mv "$partial" "$binary"
echo "kube-apiserver $version: built in $((SECONDS - start)) s at $binary" >&2
echo "$binary"
