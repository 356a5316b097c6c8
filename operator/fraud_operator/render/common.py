"""Names and labels shared by every renderer."""

from __future__ import annotations

from typing import Any

from fraud_jobs import schema

Manifest = dict[str, Any]
Spec = dict[str, Any]

PIPELINE_LABEL = "fraudplatform.io/pipeline"
STAGE_LABEL = "fraudplatform.io/stage"
FIELD_MANAGER = "fraud-operator"


def labels(pipeline: str, component: str, stage: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": component,
        "app.kubernetes.io/instance": pipeline,
        "app.kubernetes.io/part-of": "fraud-platform",
        "app.kubernetes.io/managed-by": "fraud-operator",
        PIPELINE_LABEL: pipeline,
        STAGE_LABEL: stage,
    }


def selector_labels(pipeline: str, component: str) -> dict[str, str]:
    """The immutable subset used in Deployment selectors."""
    return {"app.kubernetes.io/name": component, "app.kubernetes.io/instance": pipeline}


def manifest(api_version: str, kind: str, name: str, pipeline: str, component: str, stage: str,
             spec: dict[str, Any] | None = None, extra_labels: dict[str, str] | None = None) -> Manifest:
    meta: dict[str, Any] = {"name": name, "labels": {**labels(pipeline, component, stage), **(extra_labels or {})}}
    out: Manifest = {"apiVersion": api_version, "kind": kind, "metadata": meta}
    if spec is not None:
        out["spec"] = spec
    return out


# -- where the children find each other ----------------------------------------------------

def kafka_bootstrap(pipeline: str) -> str:
    """Strimzi's bootstrap Service for the plain internal listener."""
    return f"{pipeline}-kafka-bootstrap:9092"


def cassandra_service(pipeline: str, spec: Spec) -> str:
    """cass-operator's all-pods Service: <clusterName>-<datacenter>-service."""
    return f"{pipeline}-{spec['cassandra']['datacenter']}-service"


def cassandra_superuser_secret(pipeline: str) -> str:
    """K8ssandra creates <clusterName>-superuser with username/password keys."""
    return f"{pipeline}-superuser"


def models_claim(pipeline: str) -> str:
    return f"{pipeline}-models"


def uses_models_claim(spec: Spec) -> bool:
    return spec["model"]["path"].startswith("/")


def platform_env(pipeline: str, spec: Spec) -> list[dict[str, Any]]:
    """The connection settings every platform process reads (fraudctl's FRAUD_* variables)."""
    secret = cassandra_superuser_secret(pipeline)
    return [
        {"name": "FRAUD_KAFKA_BOOTSTRAP", "value": kafka_bootstrap(pipeline)},
        {"name": "FRAUD_TOPIC", "value": schema.TOPIC},
        {"name": "FRAUD_CASSANDRA_HOST", "value": cassandra_service(pipeline, spec)},
        {"name": "FRAUD_CASSANDRA_PORT", "value": "9042"},
        {"name": "FRAUD_KEYSPACE", "value": schema.KEYSPACE},
        {"name": "FRAUD_CASSANDRA_USERNAME",
         "valueFrom": {"secretKeyRef": {"name": secret, "key": "username"}}},
        {"name": "FRAUD_CASSANDRA_PASSWORD",
         "valueFrom": {"secretKeyRef": {"name": secret, "key": "password"}}},
        {"name": "FRAUD_MODEL_PATH", "value": spec["model"]["path"]},
    ]


def model_volume(pipeline: str, spec: Spec) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(volumes, volumeMounts) that put the models claim at model.path, or nothing for a URI."""
    if not uses_models_claim(spec):
        return [], []
    volumes = [{"name": "models", "persistentVolumeClaim": {"claimName": models_claim(pipeline)}}]
    mounts = [{"name": "models", "mountPath": spec["model"]["path"]}]
    return volumes, mounts
