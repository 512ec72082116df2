#!/usr/bin/env bash
# build-cached.sh DIR MODULE NAME [go build flags...]: builds the Go wrapper module in DIR once
# per version of MODULE (the dependency it wraps, pinned by DIR's go.mod and go.sum) into
# ${DAPRLITE_CACHE:-~/.cache/daprlite}/NAME-<version>/NAME and prints that path; a binary
# already there is reused as it is. Every module comes from the Go module proxy.
# KAPI_BUILD_JOBS limits parallel compiles (default 2: the machine's cores, shared).
set -euo pipefail
dir=$1 module=$2 name=$3
shift 3
cd "$dir"
# The machine's Go lives in /usr/local/go; a shell without it on PATH still finds it.
if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then
  PATH="/usr/local/go/bin:$PATH"
fi

version=$(go list -m -f '{{.Version}}' "$module")
out_dir="${DAPRLITE_CACHE:-$HOME/.cache/daprlite}/$name-$version"
binary="$out_dir/$name"
if [[ -x $binary ]]; then
  echo "$name $version: cached at $binary" >&2
  echo "$binary"
  exit 0
fi

mkdir -p "$out_dir"
partial="$binary.partial.$$"
trap 'rm -f "$partial"' EXIT
echo "$name $version: building (minutes the first time)" >&2
start=$SECONDS
nice -n 10 go build -mod=readonly -buildvcs=false -trimpath -p "${KAPI_BUILD_JOBS:-2}" "$@" \
  -o "$partial" .
mv "$partial" "$binary"
echo "$name $version: built in $((SECONDS - start)) s at $binary" >&2
echo "$binary"
