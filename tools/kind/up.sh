#!/usr/bin/env bash
# `make kind-up`: a kind cluster with the whole platform installed, images built from this checkout.
#   1. build the pinned kind and helm (cached), create the cluster from manifests/kind-cluster.yaml
#   2. build the three images with Docker and load them into the cluster's nodes
#   3. fetch the pinned upstream operator charts and install charts/fraud-platform with them on
# Needs Docker (or Podman via KIND_EXPERIMENTAL_PROVIDER), kubectl and network access to the
# upstream chart repositories.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
cluster="${KIND_CLUSTER:-fraud}"
namespace="${FRAUD_NAMESPACE:-fraud}"
tag="${IMAGE_TAG:-dev}"

for tool in docker kubectl; do
    command -v "$tool" >/dev/null || { echo "kind-up needs '$tool' on PATH; install it and retry" >&2; exit 1; }
done
kind="$(bash tools/kind/build.sh)"
helm="$(bash tools/helm/build.sh)"

if ! "$kind" get clusters | grep -qx "$cluster"; then
    "$kind" create cluster --name "$cluster" --config manifests/kind-cluster.yaml --wait 180s
fi
kubectl config use-context "kind-$cluster" >/dev/null

for image in operator jobs dashboard; do
    docker build -f "$image/Dockerfile" -t "fraud-platform/$image:$tag" .
    "$kind" load docker-image --name "$cluster" "fraud-platform/$image:$tag"
done

# The upstream operator charts are dependencies of the umbrella chart; fetch the pinned versions.
"$helm" repo add strimzi https://strimzi.io/charts/ --force-update >/dev/null
"$helm" repo add jetstack https://charts.jetstack.io --force-update >/dev/null
"$helm" repo add k8ssandra https://helm.k8ssandra.io/stable --force-update >/dev/null
"$helm" repo add spark-operator https://kubeflow.github.io/spark-operator --force-update >/dev/null
"$helm" repo add elastic https://helm.elastic.co --force-update >/dev/null
"$helm" dependency update charts/fraud-platform

# Two passes: the K8ssandra chart creates cert-manager Certificates, whose CRDs come from the
# cert-manager chart's templates, so cert-manager must be running before K8ssandra is installed.
for k8ssandra in false true; do
    "$helm" upgrade --install fraud charts/fraud-platform -n "$namespace" --create-namespace \
        -f tools/kind/kind-values.yaml \
        --set "k8ssandra.enabled=$k8ssandra" \
        --set "fraud-operator.image.tag=$tag" \
        --wait --timeout 15m
done
kubectl -n "$namespace" rollout status deployment -l app.kubernetes.io/component=operator --timeout 5m
echo "platform installed in kind cluster '$cluster', namespace '$namespace'"
