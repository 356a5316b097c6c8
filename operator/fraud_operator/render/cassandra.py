"""Cassandra: a K8ssandra K8ssandraCluster, then a Job that creates the keyspace and tables.

The CQL comes from fraud_jobs.schema (the one definition of the tables); this module only
chooses the replication for the cluster it renders.
"""

from __future__ import annotations

from fraud_jobs.schema import KEYSPACE, Replication, schema_cql

from .common import Manifest, Spec, cassandra_service, cassandra_superuser_secret, manifest

API = "k8ssandra.io/v1alpha1"
CLUSTER_STAGE = "cassandra"
SCHEMA_STAGE = "schema"


def schema_job_name(pipeline: str) -> str:
    return f"{pipeline}-schema"


def replication(spec: Spec) -> Replication:
    cassandra = spec["cassandra"]
    return Replication("NetworkTopologyStrategy", cassandra["replicationFactor"], cassandra["datacenter"])


def render_cluster(pipeline: str, spec: Spec) -> list[Manifest]:
    cassandra = spec["cassandra"]
    claim: dict = {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": cassandra["storage"]["size"]}},
    }
    if cassandra["storage"].get("storageClass"):
        claim["storageClassName"] = cassandra["storage"]["storageClass"]
    datacenter = {
        "metadata": {"name": cassandra["datacenter"]},
        "size": cassandra["size"],
        # suspend stops the Cassandra pods but keeps their volumes.
        "stopped": bool(spec["suspend"]),
        "storageConfig": {"cassandraDataVolumeClaimSpec": claim},
        "config": {"jvmOptions": {"heapSize": cassandra["heap"]}},
    }
    return [manifest(API, "K8ssandraCluster", pipeline, pipeline, "cassandra", CLUSTER_STAGE, {
        "cassandra": {
            "clusterName": pipeline,
            "serverVersion": cassandra["serverVersion"],
            "datacenters": [datacenter],
        },
    })]


def render_schema(pipeline: str, spec: Spec) -> list[Manifest]:
    name = schema_job_name(pipeline)
    config = manifest("v1", "ConfigMap", name, pipeline, "cassandra-schema", SCHEMA_STAGE)
    config["data"] = {"schema.cql": schema_cql(KEYSPACE, replication(spec))}
    secret = cassandra_superuser_secret(pipeline)
    host = cassandra_service(pipeline, spec)
    container = {
        "name": "cqlsh",
        "image": f"cassandra:{spec['cassandra']['serverVersion']}",
        "command": ["sh", "-c", 'exec cqlsh "$HOST" 9042 -u "$USER" -p "$PASS" -f /schema/schema.cql'],
        "env": [
            {"name": "HOST", "value": host},
            {"name": "USER", "valueFrom": {"secretKeyRef": {"name": secret, "key": "username"}}},
            {"name": "PASS", "valueFrom": {"secretKeyRef": {"name": secret, "key": "password"}}},
        ],
        "volumeMounts": [{"name": "schema", "mountPath": "/schema", "readOnly": True}],
        "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}},
    }
    job = manifest("batch/v1", "Job", name, pipeline, "cassandra-schema", SCHEMA_STAGE, {
        # The CQL is idempotent (IF NOT EXISTS); retries cover Cassandra still warming up.
        "backoffLimit": 10,
        "template": {
            "metadata": {"labels": {"app.kubernetes.io/name": "cassandra-schema",
                                    "app.kubernetes.io/instance": pipeline}},
            "spec": {
                "restartPolicy": "OnFailure",
                "containers": [container],
                "volumes": [{"name": "schema", "configMap": {"name": name}}],
            },
        },
    })
    return [config, job]
