"""The real operator process against the real API server, playing the upstream operators
by patching child status: the chain, drift repair, spec changes, suspend, deletion, and a
crash mid-chain."""

from __future__ import annotations

import pytest
from operator_support import (
    SMALL,
    children,
    condition,
    create,
    drive_to_ready,
    get,
    kinds,
    pipeline_path,
    wait_for,
)

from harness.kube import mark_ready

pytestmark = pytest.mark.kube

RESYNC = 2.0  # the operator's timer period in these tests
KAFKA_KINDS = {"Kafka", "KafkaNodePool", "KafkaTopic"}


def _ready(kube, ns, kind, name) -> None:
    mark_ready(kube, children(kube, ns)[(kind, name)])


def test_chain_advances_step_by_step_to_ready(kube, kube_namespace, operator_runner) -> None:
    ns = kube_namespace
    operator_runner(ns, resync=RESYNC)
    create(kube, ns, "fp", SMALL)
    wait_for("the Kafka children", lambda: kinds(kube, ns) >= KAFKA_KINDS)
    assert "K8ssandraCluster" not in kinds(kube, ns), "Cassandra must wait for Kafka"
    wait_for("KafkaReady=False", lambda: condition(kube, ns, "fp", "KafkaReady").get("status") == "False")
    for kind, name in [("Kafka", "fp"), ("KafkaNodePool", "fp-dual"), ("KafkaTopic", "fp-transactions")]:
        _ready(kube, ns, kind, name)
    wait_for("the K8ssandraCluster", lambda: ("K8ssandraCluster", "fp") in children(kube, ns))
    wait_for("KafkaReady=True", lambda: condition(kube, ns, "fp", "KafkaReady").get("status") == "True")
    _ready(kube, ns, "K8ssandraCluster", "fp")
    wait_for("the schema Job", lambda: ("Job", "fp-schema") in children(kube, ns))
    assert "SparkApplication" not in kinds(kube, ns), "the import must wait for the schema"
    _ready(kube, ns, "Job", "fp-schema")
    wait_for("the import", lambda: ("SparkApplication", "fp-import") in children(kube, ns))
    _ready(kube, ns, "SparkApplication", "fp-import")
    wait_for("training", lambda: ("SparkApplication", "fp-train") in children(kube, ns))
    assert ("SparkApplication", "fp-stream") not in children(kube, ns), "no stream before a model"
    _ready(kube, ns, "SparkApplication", "fp-train")
    wait_for("the stream", lambda: ("SparkApplication", "fp-stream") in children(kube, ns))
    assert condition(kube, ns, "fp", "ModelReady").get("status") == "True" or wait_for(
        "ModelReady", lambda: condition(kube, ns, "fp", "ModelReady").get("status") == "True")
    stream = children(kube, ns)[("SparkApplication", "fp-stream")]
    assert stream["spec"]["restartPolicy"]["type"] == "Always"
    assert ("ScheduledSparkApplication", "fp-retrain") in children(kube, ns)
    _ready(kube, ns, "SparkApplication", "fp-stream")
    wait_for("the deployments", lambda: {("Deployment", f"fp-{c}") for c in ("producer", "dashboard", "api")}
             <= set(children(kube, ns)))
    ready = drive_to_ready(kube, ns, "fp")
    assert ready["reason"] == "Ready"
    status = get(kube, ns, "fp")["status"]
    assert status["observedGeneration"] == get(kube, ns, "fp")["metadata"]["generation"]
    assert {c["type"] for c in status["conditions"]} == {
        "Ready", "KafkaReady", "CassandraReady", "ModelReady", "StreamingReady", "DashboardReady"}
    assert all(c["status"] == "True" and c["reason"] and c["message"] for c in status["conditions"])
    table = kube.kubectl("get", "fraudpipelines", "-n", ns).stdout.split("\n")
    assert table[0].split()[:6] == ["NAME", "READY", "KAFKA", "CASSANDRA", "MODEL", "STREAMING"]
    assert table[1].split()[:6] == ["fp", "True", "True", "True", "True", "True"]
    events = kube.call("GET", f"/api/v1/namespaces/{ns}/events").get("items") or []
    reasons = {e["reason"] for e in events if e["involvedObject"].get("name") == "fp"}
    assert {"Created", "Ready"} <= reasons, reasons
    # every child is owned by the pipeline, as its controller
    uid = get(kube, ns, "fp")["metadata"]["uid"]
    for obj in children(kube, ns).values():
        (ref,) = obj["metadata"]["ownerReferences"]
        assert ref["uid"] == uid and ref["controller"] is True


def test_elastic_children_and_condition(kube, kube_namespace, operator_runner) -> None:
    ns = kube_namespace
    operator_runner(ns, resync=RESYNC)
    create(kube, ns, "logs", {**SMALL, "elastic": {"enabled": True}})
    # Elastic does not depend on the chain: it is created with the first step.
    wait_for("ECK children", lambda: {"Elasticsearch", "Kibana", "Beat", "Kafka"} <= kinds(kube, ns))
    wait_for("ElasticReady=False", lambda: condition(kube, ns, "logs", "ElasticReady").get("status") == "False")
    drive_to_ready(kube, ns, "logs")
    assert condition(kube, ns, "logs", "ElasticReady")["status"] == "True"
    kube.call("PATCH", pipeline_path(ns, "logs"), {"spec": {"elastic": {"enabled": False}}},
              content_type="application/merge-patch+json")
    wait_for("ECK children removed", lambda: not {"Elasticsearch", "Kibana", "Beat"} & kinds(kube, ns))
    wait_for("no ElasticReady", lambda: not condition(kube, ns, "logs", "ElasticReady"))


def test_drift_spec_change_suspend_and_deletion(kube, kube_namespace, operator_runner) -> None:
    ns = kube_namespace
    operator_runner(ns, resync=RESYNC)
    create(kube, ns, "fp", SMALL)
    drive_to_ready(kube, ns, "fp")

    # a deleted child comes back within one timer period (plus a little slack)
    old_uid = children(kube, ns)[("KafkaTopic", "fp-transactions")]["metadata"]["uid"]
    kube.call("DELETE", f"/apis/kafka.strimzi.io/v1/namespaces/{ns}/kafkatopics/fp-transactions")
    topic = wait_for("the topic restored", lambda: children(kube, ns).get(("KafkaTopic", "fp-transactions")),
                     timeout=RESYNC * 2 + 3)
    assert topic["metadata"]["uid"] != old_uid
    drive_to_ready(kube, ns, "fp")  # Strimzi would mark the new topic ready; the chain resumes

    # a hand-edited child is put back
    kube.call("PATCH", f"/apis/apps/v1/namespaces/{ns}/deployments/fp-dashboard", {"spec": {"replicas": 7}},
              content_type="application/merge-patch+json")
    wait_for("replicas restored", lambda: children(kube, ns)[("Deployment", "fp-dashboard")]["spec"]["replicas"]
             == 1, timeout=RESYNC * 2 + 3)

    # a spec change reaches the children
    kube.call("PATCH", pipeline_path(ns, "fp"), {"spec": {"kafka": {"replicas": 3}, "dashboard": {"replicas": 2},
                                                        "producer": {"enabled": False}}},
              content_type="application/merge-patch+json")
    wait_for("node pool scaled", lambda: children(kube, ns)[("KafkaNodePool", "fp-dual")]["spec"]["replicas"] == 3)
    drive_to_ready(kube, ns, "fp")
    wait_for("dashboard scaled", lambda: children(kube, ns)[("Deployment", "fp-dashboard")]["spec"]["replicas"] == 2)
    wait_for("producer removed", lambda: ("Deployment", "fp-producer") not in children(kube, ns))
    fp = get(kube, ns, "fp")
    assert fp["status"]["observedGeneration"] == fp["metadata"]["generation"]

    # suspend scales the workloads to zero and stops the stream
    kube.call("PATCH", pipeline_path(ns, "fp"), {"spec": {"suspend": True}},
              content_type="application/merge-patch+json")

    def suspended() -> bool:
        c = children(kube, ns)
        return (c[("Deployment", "fp-dashboard")]["spec"]["replicas"] == 0
                and c[("Deployment", "fp-api")]["spec"]["replicas"] == 0
                and c[("SparkApplication", "fp-stream")]["spec"]["suspend"] is True
                and c[("ScheduledSparkApplication", "fp-retrain")]["spec"]["suspend"] is True)

    wait_for("workloads suspended", suspended)
    wait_for("Ready=False/Suspended", lambda: condition(kube, ns, "fp", "Ready").get("reason") == "Suspended")

    # deletion removes every child, in reverse order, and the pipeline itself
    kube.call("DELETE", pipeline_path(ns, "fp"))
    wait_for("every child gone", lambda: not children(kube, ns), timeout=30)
    wait_for("the pipeline gone", lambda: not kube.call("GET", pipeline_path(ns))["items"], timeout=30)


def test_operator_killed_mid_chain_converges_without_duplicates(kube, kube_namespace, operator_runner) -> None:
    ns = kube_namespace
    first = operator_runner(ns, resync=RESYNC)
    create(kube, ns, "fp", SMALL)
    wait_for("the Kafka children", lambda: kinds(kube, ns) >= KAFKA_KINDS)
    for kind, name in [("Kafka", "fp"), ("KafkaNodePool", "fp-dual"), ("KafkaTopic", "fp-transactions")]:
        _ready(kube, ns, kind, name)
    wait_for("the K8ssandraCluster", lambda: ("K8ssandraCluster", "fp") in children(kube, ns))
    before = {k: o["metadata"]["uid"] for k, o in children(kube, ns).items()}
    first.kill()
    _ready(kube, ns, "K8ssandraCluster", "fp")  # the world moves on while the operator is down
    operator_runner(ns, resync=RESYNC)
    drive_to_ready(kube, ns, "fp")
    after = children(kube, ns)
    from fraud_operator import crd, reconcile

    want = reconcile.desired("fp", crd.with_defaults(get(kube, ns, "fp")["spec"]))
    assert sorted(after) == sorted((o["kind"], o["metadata"]["name"]) for o in want)
    # what existed before the crash was kept, not recreated
    assert all(after[k]["metadata"]["uid"] == uid for k, uid in before.items())
