#!/usr/bin/env bash
# Build the pinned helm CLI from the Go module proxy (no prebuilt binary download is
# possible or wanted: the module proxy is the one reproducible source). The result is
# cached in <cache>/helm-<version>/bin/helm, keyed by version, so a second run is a no-op.
#
#   bash tools/helm/build.sh          # build if missing, print the binary path
#   HELM_BUILD_JOBS=4 bash tools/helm/build.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
versions="$repo/jobs/fraud_jobs/versions.py"
version="$(python3 "$versions" HELM)"
cache="$(python3 "$versions" | sed -n 's/^CACHE_DIR=//p')"
dest="$cache/helm-$version"
bin="$dest/bin/helm"

# The stamp is written last, so an interrupted build is redone.
if [[ -x "$bin" && -f "$dest/.built" ]] && "$bin" version --short 2>/dev/null | grep -q "^v$version"; then
    echo "$bin"
    exit 0
fi

command -v go >/dev/null || { echo "go not found: install Go >= 1.24 to build helm $version" >&2; exit 1; }
mkdir -p "$dest/bin"
# Keep the module and build caches beside the binary: deleting the folder removes
# everything this script ever downloaded or compiled.
export GOMODCACHE="$dest/gomod" GOCACHE="$dest/gocache" GOFLAGS="-buildvcs=false -modcacherw"
export CGO_ENABLED=0 GOBIN="$dest/bin"
# Link-time variables, as helm's own Makefile sets them: the version it prints, and the default
# Kubernetes version `helm template`/`lint` assume (client-go v0.X.Y -> 1.X), without which they
# would check charts against Kubernetes 1.20.
gomod="$(go mod download -json "helm.sh/helm/v3@v$version" | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')"
client_go="$(awk '$1 == "k8s.io/client-go" {print $2}' "$gomod")"
kube_minor="$(echo "$client_go" | cut -d. -f2)"
ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=v$version -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
    ldflags="$ldflags -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$kube_minor"
done
echo "building helm v$version into $dest (a few minutes on 2 cores)" >&2
go install -p "${HELM_BUILD_JOBS:-2}" -trimpath -ldflags "$ldflags" "helm.sh/helm/v3/cmd/helm@v$version" >&2
"$bin" version --short >&2
touch "$dest/.built"
echo "$bin"
