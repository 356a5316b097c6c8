"""Pinned versions of everything that is not a Python package, in one place.

Python packages are pinned in pyproject.toml. This module has no imports beyond the
standard library so that the Makefile and CI scripts can read it with the system
interpreter before any virtualenv exists:

    python3 jobs/fraud_jobs/versions.py            # KEY=VALUE lines, for make/sh
    python3 jobs/fraud_jobs/versions.py KAFKA      # one value

Every heavy artifact is cached outside the checkout under ``CACHE_DIR`` in a folder
named after its version, so a fresh clone on the same machine reuses it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Apache Kafka broker for the local stack. 4.1.x: the first KRaft-only line that has
# had a year of patch releases; kafka-python 3.x and Spark 4.3's kafka-clients speak it.
KAFKA = "4.1.1"
KAFKA_SCALA = "2.13"

# Apache Cassandra for the local stack. 5.0.x is the current GA line and the first to
# support Java 17, the JVM this machine (and the Spark 4 images) run.
CASSANDRA = "5.0.6"

# Kubernetes control plane for operator tests (kube-apiserver, kube-controller-manager),
# built from the Go module proxy. Chosen by the operator harness; see tests/harness.
# 1.36.x: its go.mod targets Go 1.26, the toolchain here, so it builds without a toolchain
# download; etcd 3.6.x is the line it is tested against (3.6.16: newest 3.6 patch).
KUBERNETES = "1.36.3"
ETCD = "3.6.16"

# Helm, built from the Go module proxy for chart tests (tools/helm/build.sh). 3.22.0: the
# newest Helm 3 release whose module resolves and builds with Go 1.26; Helm 3 keeps the
# chart apiVersion v2 format every Kubernetes user of these charts has.
HELM = "3.22.0"

# Upstream operators whose CRDs we compose (see ../shared/crds/VERSIONS.md).
STRIMZI = "1.2.0"
K8SSANDRA_OPERATOR = "1.32.5"
SPARK_OPERATOR = "2.5.2"
ECK = "3.5.0"

# cert-manager, which the K8ssandra operator's webhooks need (charts/fraud-platform dependency).
# v1.19.1: the patch release of the current 1.19 line that fixed its known .0 issues.
CERT_MANAGER = "1.19.1"

# kind, for `make kind-up` / `make kind-e2e` on a machine with Docker (tools/kind/build.sh builds
# it from the Go module proxy). Its default node image is pinned by the kind release itself.
KIND = "0.33.0"


def cache_dir() -> Path:
    """Where heavy artifacts live: ``$FRAUD_CACHE_DIR`` or ``~/.cache/fraud-platform``."""
    return Path(os.environ.get("FRAUD_CACHE_DIR", Path.home() / ".cache" / "fraud-platform"))


def pinned() -> dict[str, str]:
    return {k: v for k, v in globals().items() if k.isupper() and isinstance(v, str)}


def spark_kafka_package() -> str:
    """The Spark Kafka connector at exactly the installed pyspark version."""
    from importlib.metadata import version

    return f"org.apache.spark:spark-sql-kafka-0-10_2.13:{version('pyspark')}"


if __name__ == "__main__":
    values = pinned()
    if len(sys.argv) > 1:
        print(values[sys.argv[1].upper()])
    else:
        for key, value in values.items():
            print(f"{key}={value}")
        print(f"CACHE_DIR={cache_dir()}")
