"""Spark: SparkApplications (Spark operator v1beta2) for import, training and streaming, and a
ScheduledSparkApplication for retraining.

Every application runs `fraudctl <command>` from the jobs image (JOBS_MAIN is the
entrypoint script the image provides) and reads its connections from FRAUD_* variables.
"""

from __future__ import annotations

import copy
from typing import Any

from .common import Manifest, Spec, manifest, model_volume, models_claim, platform_env, uses_models_claim

API = "sparkoperator.k8s.io/v1beta2"
JOBS_MAIN = "local:///opt/fraud-platform/fraudctl.py"
IMPORT_STAGE = "import"
MODEL_STAGE = "model"
STREAMING_STAGE = "streaming"


def import_name(pipeline: str) -> str:
    return f"{pipeline}-import"


def train_name(pipeline: str) -> str:
    return f"{pipeline}-train"


def retrain_name(pipeline: str) -> str:
    return f"{pipeline}-retrain"


def stream_name(pipeline: str) -> str:
    return f"{pipeline}-stream"


def _pod(resources: Spec, env: list, mounts: list, pipeline: str, component: str) -> dict[str, Any]:
    pod: dict[str, Any] = {
        "cores": resources["cores"],
        "memory": resources["memory"],
        "env": copy.deepcopy(env),
        "labels": {"app.kubernetes.io/name": component, "app.kubernetes.io/instance": pipeline},
    }
    if mounts:
        pod["volumeMounts"] = copy.deepcopy(mounts)
    return pod


def application_spec(pipeline: str, spec: Spec, command: str, component: str,
                     restart: dict[str, Any], extra_env: list | None = None) -> dict[str, Any]:
    spark = spec["spark"]
    env = platform_env(pipeline, spec) + (extra_env or [])
    volumes, mounts = model_volume(pipeline, spec)
    driver = _pod(spark["driver"], env, mounts, pipeline, component)
    driver["serviceAccount"] = spark["serviceAccount"]
    executor = _pod(spark["executor"], env, mounts, pipeline, component)
    executor["instances"] = spark["executor"]["instances"]
    out: dict[str, Any] = {
        "type": "Python",
        "pythonVersion": "3",
        "mode": "cluster",
        "image": spark["image"],
        "imagePullPolicy": "IfNotPresent",
        "mainApplicationFile": JOBS_MAIN,
        "arguments": [command],
        "sparkVersion": spark["sparkVersion"],
        "restartPolicy": restart,
        "driver": driver,
        "executor": executor,
        # FraudPipeline.spec.suspend pauses every application (the Spark operator stops it).
        "suspend": bool(spec["suspend"]),
    }
    if volumes:
        out["volumes"] = volumes
    return out


# Batch jobs retry a few times (Cassandra or Kafka may still be settling), then fail visibly.
BATCH_RESTART = {"type": "OnFailure", "onFailureRetries": 3, "onFailureRetryInterval": 30,
                 "onSubmissionFailureRetries": 5, "onSubmissionFailureRetryInterval": 20}


def render_import(pipeline: str, spec: Spec) -> list[Manifest]:
    """The models claim (when model.path is local) and the historical-data import."""
    children = []
    if uses_models_claim(spec):
        model = spec["model"]
        claim: dict[str, Any] = {"accessModes": ["ReadWriteOnce"],
                                 "resources": {"requests": {"storage": model["storageSize"]}}}
        if model.get("storageClass"):
            claim["storageClassName"] = model["storageClass"]
        children.append(manifest("v1", "PersistentVolumeClaim", models_claim(pipeline), pipeline, "models",
                                 IMPORT_STAGE, claim))
    return [*children, manifest(API, "SparkApplication", import_name(pipeline), pipeline, "spark-import", IMPORT_STAGE,
                     application_spec(pipeline, spec, "import", "spark-import", BATCH_RESTART,
                                      extra_env=_data_env(spec)))]


def _data_env(spec: Spec) -> list[dict[str, Any]]:
    """Where the import finds the historical data (fraudctl import reads these variables)."""
    return [{"name": "FRAUD_CUSTOMERS", "value": spec["data"]["customers"]},
            {"name": "FRAUD_TRANSACTIONS", "value": spec["data"]["transactions"]}]


def render_model(pipeline: str, spec: Spec) -> list[Manifest]:
    """The first training run; the model it saves unlocks the streaming stage."""
    return [manifest(API, "SparkApplication", train_name(pipeline), pipeline, "spark-train", MODEL_STAGE,
                     application_spec(pipeline, spec, "train", "spark-train", BATCH_RESTART))]


def render_streaming(pipeline: str, spec: Spec) -> list[Manifest]:
    """The always-on scoring job and the retraining schedule (both paused by suspend)."""
    suspend = bool(spec["suspend"])
    trigger = [{"name": "FRAUD_STREAM_TRIGGER", "value": spec["spark"]["streaming"]["trigger"]}]
    stream_spec = application_spec(
        pipeline, spec, "stream", "spark-stream",
        # Always: a streaming query that stops for any reason is restarted; it resumes
        # from the offsets committed in Cassandra.
        {"type": "Always", "onFailureRetryInterval": 10, "onSubmissionFailureRetryInterval": 20},
        trigger,
    )
    children = [manifest(API, "SparkApplication", stream_name(pipeline), pipeline, "spark-stream",
                         STREAMING_STAGE, stream_spec)]
    retraining = spec["spark"]["retraining"]
    if retraining["enabled"]:
        children.append(manifest(API, "ScheduledSparkApplication", retrain_name(pipeline), pipeline,
                                 "spark-retrain", STREAMING_STAGE, {
            "schedule": retraining["schedule"],
            "concurrencyPolicy": "Forbid",
            "suspend": suspend,
            "successfulRunHistoryLimit": 2,
            "failedRunHistoryLimit": 3,
            "template": application_spec(pipeline, spec, "train", "spark-retrain", BATCH_RESTART),
        }))
    return children
