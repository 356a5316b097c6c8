#!/usr/bin/env bash
# Build the pinned kind CLI from the Go module proxy into <cache>/kind-<version>/bin/kind
# (cached: a second run is a no-op). kind itself needs a container engine (Docker or Podman) to
# create clusters; building it needs only Go.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
version="$(python3 "$repo/jobs/fraud_jobs/versions.py" KIND)"
cache="$(python3 "$repo/jobs/fraud_jobs/versions.py" | sed -n 's/^CACHE_DIR=//p')"
dest="$cache/kind-$version"
bin="$dest/bin/kind"

if [[ -x "$bin" ]]; then
    echo "$bin"
    exit 0
fi
command -v go >/dev/null || { echo "go not found: install Go to build kind $version" >&2; exit 1; }
mkdir -p "$dest/bin"
export GOMODCACHE="$dest/gomod" GOCACHE="$dest/gocache" GOFLAGS="-buildvcs=false -modcacherw"
export CGO_ENABLED=0 GOBIN="$dest/bin"
echo "building kind v$version into $dest" >&2
go install -p "${KIND_BUILD_JOBS:-2}" -trimpath -ldflags "-s -w" "sigs.k8s.io/kind@v$version" >&2
echo "$bin"
