"""The reconcile chain: one short step per child system, in dependency order.

    elastic (independent) | kafka -> cassandra -> schema -> import -> model -> streaming -> apps

Each step renders its desired children, applies the ones that are missing or differ from
the live object (server-side apply), deletes the ones it no longer renders, and reports
whether its children are ready. A step that is not ready stops the chain: later steps are
left as they are until the next pass (the caller retries with kopf.TemporaryError and a
timer re-runs the whole chain, so deleted or hand-edited children come back).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kubernetes.client.exceptions import ApiException

from . import crd, readiness
from .kube import Api
from .readiness import Verdict
from .render import cassandra, dashboard, elastic, kafka, spark
from .render.common import PIPELINE_LABEL, STAGE_LABEL, Manifest, Spec

# emit(type, reason, message): posts a Kubernetes Event on the FraudPipeline.
Emit = Callable[[str, str, str], None]


@dataclass(frozen=True)
class Stage:
    name: str
    title: str
    condition: str
    render: Callable[[str, Spec], list[Manifest]]
    kinds: tuple[str, ...]  # every kind the step may own: what it lists and cleans up
    spark_wanted: str = "COMPLETED"


ELASTIC = Stage("elastic", "Elasticsearch", "ElasticReady", elastic.render, ("Beat", "Kibana", "Elasticsearch"))
CHAIN: tuple[Stage, ...] = (
    Stage("kafka", "Kafka", "KafkaReady", kafka.render, ("Kafka", "KafkaNodePool", "KafkaTopic")),
    Stage("cassandra", "Cassandra", "CassandraReady", cassandra.render_cluster, ("K8ssandraCluster",)),
    Stage("schema", "the Cassandra schema", "CassandraReady", cassandra.render_schema, ("ConfigMap", "Job")),
    Stage("import", "the data import", "ModelReady", spark.render_import,
          ("PersistentVolumeClaim", "SparkApplication")),
    Stage("model", "model training", "ModelReady", spark.render_model, ("SparkApplication",)),
    Stage("streaming", "the streaming job", "StreamingReady", spark.render_streaming,
          ("SparkApplication", "ScheduledSparkApplication"), spark_wanted="RUNNING"),
    Stage("apps", "the dashboard, API and producer", "DashboardReady", dashboard.render,
          ("Deployment", "Service")),
)


def stages(spec: Spec) -> tuple[Stage, ...]:
    """Every step, always: a disabled one renders nothing, which deletes its children."""
    return (ELASTIC, *CHAIN)


def desired(name: str, spec: Spec) -> list[Manifest]:
    """Every child of a pipeline, in apply order (for `fraudctl operator render`)."""
    return [child for stage in (ELASTIC, *CHAIN) for child in stage.render(name, spec)]


def owner_reference(body: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": crd.API_VERSION, "kind": crd.KIND, "name": body["metadata"]["name"],
            "uid": body["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}


def contains(live: Any, want: Any) -> bool:
    """True when every field we render has the same value in the live object (the API
    server and the child's controller may add fields; they don't count as drift)."""
    if isinstance(want, dict):
        return isinstance(live, dict) and all(k in live and contains(live[k], v) for k, v in want.items())
    if isinstance(want, list):
        return (isinstance(live, list) and len(live) == len(want)
                and all(contains(a, b) for a, b in zip(live, want, strict=True)))
    return live == want


@dataclass
class Context:
    api: Api
    namespace: str
    name: str
    spec: Spec
    owner: dict[str, Any]
    emit: Emit
    applied: int = 0

    def selector(self, stage: Stage) -> str:
        return f"{PIPELINE_LABEL}={self.name},{STAGE_LABEL}={stage.name}"


def _apply(ctx: Context, child: Manifest, live: dict | None) -> dict:
    what = f"{child['kind']} {child['metadata']['name']}"
    try:
        result = ctx.api.apply(child, ctx.namespace)
    except ApiException as err:
        if err.status == 422 and child["kind"] == "Job" and live is not None:
            # A Job's pod template is immutable: replace the Job; the next pass recreates it.
            ctx.api.delete("Job", ctx.namespace, child["metadata"]["name"])
            ctx.emit("Normal", "Replaced", f"deleted {what} to apply a changed template")
            return {}
        raise
    ctx.applied += 1
    if live is None:
        ctx.emit("Normal", "Created", f"created {what}")
    else:
        ctx.emit("Normal", "Updated", f"applied the desired spec to {what} (it had drifted)")
    return result


def sync_stage(ctx: Context, stage: Stage) -> Verdict:
    want = stage.render(ctx.name, ctx.spec)
    live: dict[tuple[str, str], dict] = {}
    for kind in stage.kinds:
        for obj in ctx.api.list(kind, ctx.namespace, ctx.selector(stage)):
            live[(kind, obj["metadata"]["name"])] = obj
    verdicts = []
    for child in want:
        child["metadata"]["ownerReferences"] = [ctx.owner]
        key = (child["kind"], child["metadata"]["name"])
        current = live.pop(key, None)
        if current is None or not contains(current, child):
            current = _apply(ctx, child, current) or None
        verdicts.append(readiness.check(key[0], key[1], current, stage.spark_wanted))
    for (kind, child_name), obj in live.items():  # rendered no more: disabled or renamed
        if not obj["metadata"].get("deletionTimestamp") and ctx.api.delete(kind, ctx.namespace, child_name):
            ctx.emit("Normal", "Deleted", f"deleted {kind} {child_name} (no longer in the spec)")
    failing = [v for v in verdicts if not v.ready]
    if failing:
        return failing[0]
    return Verdict(True, "Ready", f"{stage.title[0].upper()}{stage.title[1:]} is ready")


@dataclass
class Outcome:
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    phase: str = "Ready"
    applied: int = 0

    @property
    def ready(self) -> bool:
        return all(v.ready for v in self.verdicts.values())


def reconcile(api: Api, body: dict[str, Any], emit: Emit) -> Outcome:
    """One pass of the chain; returns every condition's verdict."""
    spec = crd.with_defaults(body.get("spec"))
    meta = body["metadata"]
    ctx = Context(api, meta["namespace"], meta["name"], spec, owner_reference(body), emit)
    out = Outcome()
    blocked: Stage | None = None
    for stage in stages(spec):
        if blocked is not None and stage is not ELASTIC:
            out.verdicts.setdefault(stage.condition, Verdict(
                False, "Waiting", f"waiting for {blocked.title} before starting {stage.title}"))
            continue
        verdict = sync_stage(ctx, stage)
        if stage is ELASTIC and not spec["elastic"]["enabled"]:
            continue  # cleaned up; no ElasticReady condition while disabled
        previous = out.verdicts.get(stage.condition)
        if previous is None or previous.ready:
            out.verdicts[stage.condition] = verdict
        # Suspending must not wait for readiness: stopped Cassandra and the suspended stream
        # are never "ready", and the apps after them still have to be scaled down.
        if not verdict.ready and stage is not ELASTIC and not spec["suspend"] and blocked is None:
            blocked = stage
            out.phase = stage.name
    out.applied = ctx.applied
    ready = out.ready
    if spec["suspend"]:
        out.phase = "Suspended"
        out.verdicts["Ready"] = Verdict(False, "Suspended", "spec.suspend is true: workloads are scaled "
                                        "to zero and the streaming job is stopped; set it to false to resume")
    elif ready:
        out.verdicts["Ready"] = Verdict(True, "Ready", "every component is ready")
    else:
        first = next(c for c, v in out.verdicts.items() if not v.ready)
        out.verdicts["Ready"] = Verdict(False, f"{first.removesuffix('Ready')}NotReady",
                                        out.verdicts[first].message)
    return out


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def conditions(outcome: Outcome, old: list[dict[str, Any]], generation: int) -> list[dict[str, Any]]:
    """Conditions per the API conventions: lastTransitionTime moves only when status does."""
    by_type = {c.get("type"): c for c in old or []}
    out = []
    for kind in crd.CONDITION_TYPES:
        verdict = outcome.verdicts.get(kind)
        if verdict is None:
            continue
        status = "True" if verdict.ready else "False"
        before = by_type.get(kind)
        since = before["lastTransitionTime"] if before and before.get("status") == status else _now()
        out.append({"type": kind, "status": status, "reason": verdict.reason, "message": verdict.message,
                    "observedGeneration": generation, "lastTransitionTime": since})
    return out


def transitions(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The conditions whose status or reason changed: each deserves an Event."""
    before = {c.get("type"): (c.get("status"), c.get("reason")) for c in old or []}
    return [c for c in new if before.get(c["type"]) != (c["status"], c["reason"])]


def write_status(api: Api, body: dict[str, Any], outcome: Outcome, emit: Emit) -> None:
    meta = body["metadata"]
    old_status = body.get("status") or {}
    old = old_status.get("conditions") or []
    new = conditions(outcome, old, meta.get("generation", 0))
    status = {"observedGeneration": meta.get("generation", 0), "phase": outcome.phase, "conditions": new}
    for cond in transitions(old, new):
        emit("Normal" if cond["status"] == "True" else "Warning", cond["reason"],
             f"{cond['type']}={cond['status']}: {cond['message']}")
    comparable = [{k: v for k, v in c.items() if k != "lastTransitionTime"} for c in new]
    if (old_status.get("observedGeneration") == status["observedGeneration"]
            and old_status.get("phase") == status["phase"]
            and [{k: v for k, v in c.items() if k != "lastTransitionTime"} for c in old] == comparable):
        return  # nothing changed: don't wake every watcher
    path = f"/apis/{crd.API_VERSION}/namespaces/{meta['namespace']}/{crd.PLURAL}/{meta['name']}"
    api.patch_status(path, status)


def teardown(api: Api, body: dict[str, Any], emit: Emit) -> list[str]:
    """Delete the children in reverse chain order; returns what is still terminating.

    A step's children must be gone before the step before it is touched, so the stream
    stops before Kafka and Cassandra go away.
    """
    meta = body["metadata"]
    ctx = Context(api, meta["namespace"], meta["name"], {}, {}, emit)
    for stage in (*reversed(CHAIN), ELASTIC):
        lingering = []
        for kind in stage.kinds:
            for obj in api.list(kind, ctx.namespace, ctx.selector(stage)):
                child = obj["metadata"]["name"]
                if not obj["metadata"].get("deletionTimestamp") and api.delete(kind, ctx.namespace, child):
                    emit("Normal", "Deleted", f"deleted {kind} {child}")
        for kind in stage.kinds:
            lingering += [f"{kind} {o['metadata']['name']}" for o in api.list(kind, ctx.namespace,
                                                                               ctx.selector(stage))]
        if lingering:
            return lingering
    return []
