#!/usr/bin/env bash
# `make kind-e2e`: kind-up, then the laptop FraudPipeline, waiting until the operator reports it Ready.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
namespace="${FRAUD_NAMESPACE:-fraud}"
tag="${IMAGE_TAG:-dev}"

bash tools/kind/up.sh
# The example names images by their kind-loaded tags.
sed "s/:dev\$/:$tag/" manifests/fraudpipeline-laptop.yaml | kubectl -n "$namespace" apply -f -
name="$(kubectl -n "$namespace" get -f manifests/fraudpipeline-laptop.yaml -o jsonpath='{.metadata.name}')"
if ! kubectl -n "$namespace" wait "fraudpipeline/$name" --for=condition=Ready --timeout="${READY_TIMEOUT:-20m}"; then
    kubectl -n "$namespace" describe "fraudpipeline/$name" >&2
    kubectl -n "$namespace" get pods -o wide >&2
    exit 1
fi
echo "FraudPipeline $name is Ready"
