#!/usr/bin/env bash
# Builds the dapr-inject wrapper in this folder once per github.com/dapr/dapr version into the
# cache and prints the binary's path (../build-cached.sh says where, and how it is reused).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/../build-cached.sh" "$here" github.com/dapr/dapr dapr-inject -ldflags "-s -w"
