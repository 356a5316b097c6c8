"""Is a child ready? Pure functions over the child's live object (or None when absent).

A child counts as ready only when its own controller says so AND has seen its current
spec: status.observedGeneration equals metadata.generation where the kind reports one.
SparkApplications report no observedGeneration; their applicationState is the signal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Obj = dict[str, Any]


@dataclass(frozen=True)
class Verdict:
    ready: bool
    reason: str
    message: str


def _condition(obj: Obj, kind: str, source: Obj | None = None) -> Obj | None:
    for cond in (source if source is not None else obj.get("status") or {}).get("conditions") or []:
        if cond.get("type") == kind:
            return cond
    return None


def _generation_seen(obj: Obj) -> bool:
    observed = (obj.get("status") or {}).get("observedGeneration")
    return observed is not None and observed >= obj["metadata"].get("generation", 0)


def _label(obj: Obj) -> str:
    return f"{obj['kind']} {obj['metadata']['name']}"


def _missing(kind: str, name: str) -> Verdict:
    return Verdict(False, "ChildMissing", f"{kind} {name} does not exist yet; the operator creates it")


def ready_condition(obj: Obj, condition: str = "Ready") -> Verdict:
    """Strimzi, K8ssandra, ECK: a Ready-style condition plus observedGeneration."""
    if not _generation_seen(obj):
        return Verdict(False, "NotObserved", f"{_label(obj)}: its operator has not processed generation "
                       f"{obj['metadata'].get('generation')} yet (is the operator running?)")
    cond = _condition(obj, condition)
    if cond is None or cond.get("status") != "True":
        detail = (cond or {}).get("message") or (cond or {}).get("reason") or "no status yet"
        return Verdict(False, "NotReady", f"{_label(obj)} is not {condition}: {detail}")
    return Verdict(True, "Ready", f"{_label(obj)} is ready")


def kafka_ready(obj: Obj) -> Verdict:
    return ready_condition(obj)


def node_pool_ready(obj: Obj) -> Verdict:
    """Strimzi reports no Ready condition on node pools: its node ids must be assigned."""
    status = obj.get("status") or {}
    if not _generation_seen(obj):
        return Verdict(False, "NotObserved", f"{_label(obj)}: Strimzi has not processed it yet")
    if status.get("replicas", 0) < obj["spec"]["replicas"]:
        return Verdict(False, "Scaling", f"{_label(obj)}: {status.get('replicas', 0)} of "
                       f"{obj['spec']['replicas']} nodes assigned")
    return Verdict(True, "Ready", f"{_label(obj)} is ready")


def k8ssandra_ready(obj: Obj) -> Verdict:
    verdict = ready_condition(obj, "CassandraInitialized")
    if not verdict.ready:
        return verdict
    datacenters = (obj.get("status") or {}).get("datacenters") or {}
    for dc in obj["spec"]["cassandra"]["datacenters"]:
        name = dc["metadata"]["name"]
        cassandra = (datacenters.get(name) or {}).get("cassandra") or {}
        cond = _condition(obj, "Ready", cassandra)
        if cond is None or cond.get("status") != "True":
            progress = cassandra.get("cassandraOperatorProgress", "no status yet")
            return Verdict(False, "DatacenterNotReady",
                           f"{_label(obj)}: datacenter {name} is not Ready ({progress})")
    return Verdict(True, "Ready", f"{_label(obj)} is ready")


def job_ready(obj: Obj) -> Verdict:
    status = obj.get("status") or {}
    if (_condition(obj, "Complete") or {}).get("status") == "True":
        return Verdict(True, "Completed", f"{_label(obj)} completed")
    failed = _condition(obj, "Failed")
    if failed and failed.get("status") == "True":
        return Verdict(False, "JobFailed", f"{_label(obj)} failed: {failed.get('message', '')}; "
                       f"see 'kubectl logs job/{obj['metadata']['name']}', fix, then delete the Job to retry")
    return Verdict(False, "JobRunning", f"{_label(obj)} is running (active={status.get('active', 0)}, "
                   f"failed attempts={status.get('failed', 0)})")


def spark_state(obj: Obj, wanted: str) -> Verdict:
    state = ((obj.get("status") or {}).get("applicationState") or {}).get("state", "")
    if state == wanted:
        return Verdict(True, state.capitalize(), f"{_label(obj)} is {state}")
    error = ((obj.get("status") or {}).get("applicationState") or {}).get("errorMessage")
    if state in ("FAILED", "SUBMISSION_FAILED"):
        return Verdict(False, "SparkApplicationFailed", f"{_label(obj)} is {state}: {error or 'no message'}; "
                       f"see the driver log ('kubectl logs {obj['metadata']['name']}-driver')")
    return Verdict(False, "SparkApplicationPending",
                   f"{_label(obj)} is {state or 'not submitted yet'}, waiting for {wanted}")


def spark_completed(obj: Obj) -> Verdict:
    return spark_state(obj, "COMPLETED")


def spark_running(obj: Obj) -> Verdict:
    if obj["spec"].get("suspend"):
        return Verdict(False, "Suspended", f"{_label(obj)} is suspended (spec.suspend of the FraudPipeline)")
    return spark_state(obj, "RUNNING")


def deployment_ready(obj: Obj) -> Verdict:
    status = obj.get("status") or {}
    want = obj["spec"].get("replicas", 1)
    if not _generation_seen(obj):
        return Verdict(False, "NotObserved", f"{_label(obj)}: the deployment controller has not processed it")
    counts = (status.get("updatedReplicas", 0), status.get("availableReplicas", 0))
    if counts != (want, want) or status.get("replicas", 0) != want:
        return Verdict(False, "Rollout", f"{_label(obj)}: {counts[1]} of {want} replicas available, "
                       f"{counts[0]} updated")
    return Verdict(True, "Ready", f"{_label(obj)} has {want} available replicas")


def eck_ready(obj: Obj) -> Verdict:
    status = obj.get("status") or {}
    if not _generation_seen(obj):
        return Verdict(False, "NotObserved", f"{_label(obj)}: ECK has not processed it yet")
    if status.get("health") != "green":
        return Verdict(False, "NotHealthy", f"{_label(obj)} health is {status.get('health', 'unknown')}")
    return Verdict(True, "Ready", f"{_label(obj)} is green")


def always_ready(obj: Obj) -> Verdict:
    return Verdict(True, "Exists", f"{_label(obj)} exists")


CHECKS: dict[str, Callable[[Obj], Verdict]] = {
    "Kafka": kafka_ready,
    "KafkaNodePool": node_pool_ready,
    "KafkaTopic": ready_condition,
    "K8ssandraCluster": k8ssandra_ready,
    "Job": job_ready,
    "Deployment": deployment_ready,
    "Elasticsearch": eck_ready,
    "Kibana": eck_ready,
    "Beat": eck_ready,
}


def check(kind: str, name: str, obj: Obj | None, spark_wanted: str | None = None) -> Verdict:
    if obj is None:
        return _missing(kind, name)
    if kind == "SparkApplication":
        return spark_running(obj) if spark_wanted == "RUNNING" else spark_completed(obj)
    return CHECKS.get(kind, always_ready)(obj)
