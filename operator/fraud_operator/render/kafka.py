"""Kafka: a Strimzi (v1 API, KRaft) Kafka cluster, its node pool, and the transactions topic."""

from __future__ import annotations

from fraud_jobs import schema

from .common import Manifest, Spec, manifest

API = "kafka.strimzi.io/v1"
STAGE = "kafka"


def node_pool_name(pipeline: str) -> str:
    return f"{pipeline}-dual"


def topic_name(pipeline: str) -> str:
    return f"{pipeline}-transactions"


def _storage(kafka: Spec) -> dict:
    storage = kafka["storage"]
    if storage["type"] == "ephemeral":
        return {"type": "ephemeral"}
    out = {"type": "persistent-claim", "size": storage["size"], "deleteClaim": False}
    if storage.get("storageClass"):
        out["class"] = storage["storageClass"]
    return out


def render(pipeline: str, spec: Spec) -> list[Manifest]:
    kafka = spec["kafka"]
    replicas = kafka["replicas"]
    # Internal topics need min.insync below the replication factor to stay writable
    # while one broker restarts; a one-node cluster can only have 1.
    internal_rf = min(3, replicas)
    cluster = manifest(API, "Kafka", pipeline, pipeline, "kafka", STAGE, {
        "kafka": {
            "version": kafka["version"],
            "listeners": [
                {"name": "plain", "port": 9092, "type": "internal", "tls": False},
                {"name": "tls", "port": 9093, "type": "internal", "tls": True},
            ],
            "config": {
                "offsets.topic.replication.factor": internal_rf,
                "transaction.state.log.replication.factor": internal_rf,
                "transaction.state.log.min.isr": max(1, internal_rf - 1),
                "default.replication.factor": internal_rf,
                "min.insync.replicas": max(1, internal_rf - 1),
            },
        },
        "entityOperator": {"topicOperator": {}},
    })
    pool = manifest(API, "KafkaNodePool", node_pool_name(pipeline), pipeline, "kafka", STAGE, {
        "replicas": replicas,
        "roles": ["controller", "broker"],
        "storage": {"type": "jbod", "volumes": [{"id": 0, **_storage(kafka), "kraftMetadata": "shared"}]},
    }, extra_labels={"strimzi.io/cluster": pipeline})
    topic_spec = kafka["topic"]
    topic = manifest(API, "KafkaTopic", topic_name(pipeline), pipeline, "kafka", STAGE, {
        # The Kubernetes name must be lowercase; the Kafka topic keeps the shared name.
        "topicName": schema.TOPIC,
        "partitions": topic_spec["partitions"],
        "replicas": topic_spec["replicas"],
        "config": {
            "retention.ms": topic_spec["retentionHours"] * 3600 * 1000,
            "min.insync.replicas": max(1, topic_spec["replicas"] - 1),
        },
    }, extra_labels={"strimzi.io/cluster": pipeline})
    return [cluster, pool, topic]
