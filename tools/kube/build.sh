#!/usr/bin/env bash
# Build kube-apiserver, kube-controller-manager and etcd for the operator/chart tests
# from the Go module proxy, into $CACHE_DIR/kube-<KUBERNETES>/ (etcd-<ETCD> inside it).
# A second run with the binaries present does nothing. Versions come from
# jobs/fraud_jobs/versions.py and must match the wrapper go.mod files next to this script.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
versions() { python3 "$root/jobs/fraud_jobs/versions.py" "$1"; }

kube_version="$(versions KUBERNETES)"
etcd_version="$(versions ETCD)"
cache="$(python3 "$root/jobs/fraud_jobs/versions.py" | sed -n 's/^CACHE_DIR=//p')"
out="$cache/kube-$kube_version"
bins=(kube-apiserver kube-controller-manager "etcd-$etcd_version")

check_pin() { # file, module, version
    if ! grep -qE "^\s*(require )?$2 v$3( |\$)" "$1"; then
        echo "error: $1 does not require $2 v$3 (versions.py); update its require line and run 'go mod tidy' there" >&2
        exit 1
    fi
}
check_pin "$here/go.mod" k8s.io/kubernetes "$kube_version"
check_pin "$here/etcd/go.mod" go.etcd.io/etcd/server/v3 "$etcd_version"

missing=0
for b in "${bins[@]}"; do [[ -x "$out/$b" ]] || missing=1; done
if [[ $missing == 0 ]]; then
    echo "kube binaries cached in $out"
    exit 0
fi

command -v go >/dev/null || { echo "error: go is not on PATH; install Go >= 1.26 to build the test control plane" >&2; exit 1; }
mkdir -p "$out"
# -p 2: the build machines have two cores shared with other work; -trimpath keeps
# checkout paths out of the binaries.
# The -X flags stamp the release version, as Kubernetes' own build does; without them the API
# server reports v0.0.0-master and clients that check it (helm's chart kubeVersion) refuse it.
kube_minor="$(echo "$kube_version" | cut -d. -f2)"
version_pkg=k8s.io/component-base/version
ldflags="-s -w -X $version_pkg.gitVersion=v$kube_version -X $version_pkg.gitMajor=1"
ldflags="$ldflags -X $version_pkg.gitMinor=$kube_minor -X $version_pkg.gitTreeState=clean"
flags=(-p "${GO_BUILD_PARALLEL:-2}" -trimpath -ldflags "$ldflags")
build() { # module dir, package, output name
    local dir="$1" pkg="$2" name="$3"
    [[ -x "$out/$name" ]] && return 0
    echo "building $name ($pkg) ..."
    local started=$SECONDS
    (cd "$dir" && go build "${flags[@]}" -o "$out/$name.tmp" "$pkg")
    mv "$out/$name.tmp" "$out/$name"   # rename last so a killed build never looks cached
    echo "built $name in $((SECONDS - started))s"
}
build "$here/etcd" go.etcd.io/etcd/server/v3 "etcd-$etcd_version"
build "$here" k8s.io/kubernetes/cmd/kube-apiserver kube-apiserver
build "$here" k8s.io/kubernetes/cmd/kube-controller-manager kube-controller-manager
echo "kube binaries in $out"
