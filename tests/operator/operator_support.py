"""Helpers for the operator's kube tests: waiting, reading pipelines, driving the chain."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from fraud_operator import crd
from harness.kube import KubeCluster, is_marked_ready, mark_ready, pipeline_children

T = TypeVar("T")


def wait_for(what: str, probe: Callable[[], T], timeout: float = 60, period: float = 0.25) -> T:
    """Poll until probe() returns something truthy; fail naming what never happened."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(period)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


def pipeline_path(namespace: str, name: str | None = None) -> str:
    base = f"/apis/{crd.API_VERSION}/namespaces/{namespace}/{crd.PLURAL}"
    return f"{base}/{name}" if name else base


def pipeline(name: str, spec: dict | None = None) -> dict:
    return {"apiVersion": crd.API_VERSION, "kind": crd.KIND, "metadata": {"name": name}, "spec": spec or {}}


# Small, fast pipelines: one node each, ephemeral Kafka.
SMALL = {"kafka": {"replicas": 1, "storage": {"type": "ephemeral"}, "topic": {"replicas": 1}},
         "cassandra": {"size": 1, "replicationFactor": 1}}


def create(kube: KubeCluster, namespace: str, name: str, spec: dict | None = None) -> dict:
    return kube.call("POST", pipeline_path(namespace), pipeline(name, spec if spec is not None else SMALL))


def get(kube: KubeCluster, namespace: str, name: str) -> dict:
    return kube.call("GET", pipeline_path(namespace, name))


def condition(kube: KubeCluster, namespace: str, name: str, kind: str) -> dict:
    conds = (get(kube, namespace, name).get("status") or {}).get("conditions") or []
    return next((c for c in conds if c["type"] == kind), {})


def children(kube: KubeCluster, namespace: str, name: str | None = None) -> dict[tuple[str, str], dict]:
    return {(o["kind"], o["metadata"]["name"]): o for o in pipeline_children(kube, namespace, name)}


def kinds(kube: KubeCluster, namespace: str) -> set[str]:
    return {kind for kind, _ in children(kube, namespace)}


def make_all_ready(kube: KubeCluster, namespace: str) -> int:
    """Play every upstream operator once: mark each existing child ready. Returns how many."""
    count = 0
    for obj in pipeline_children(kube, namespace):
        if not obj["metadata"].get("deletionTimestamp") and not is_marked_ready(obj):
            mark_ready(kube, obj)
            count += 1
    return count


def drive_to_ready(kube: KubeCluster, namespace: str, name: str, timeout: float = 90) -> dict:
    def step() -> dict | None:
        make_all_ready(kube, namespace)
        ready = condition(kube, namespace, name, "Ready")
        return ready if ready.get("status") == "True" else None

    return wait_for(f"{name} Ready", step, timeout, period=0.3)
