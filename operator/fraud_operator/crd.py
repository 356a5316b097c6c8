"""The FraudPipeline CustomResourceDefinition: the single source of its schema.

`fraudctl operator crd` prints it, `make crds` writes it into the chart, the tests install
it into a real kube-apiserver, and `with_defaults()` applies its defaults offline (for
`fraudctl operator render` and unit tests) exactly as the API server would.
"""

from __future__ import annotations

import copy
from typing import Any

import yaml

from fraud_jobs import schema, versions

GROUP = "fraudplatform.io"
VERSION = "v1alpha1"
KIND = "FraudPipeline"
PLURAL = "fraudpipelines"
SINGULAR = "fraudpipeline"
SHORT_NAMES = ["fp", "fraudpipe"]
API_VERSION = f"{GROUP}/{VERSION}"

# The Spark release the jobs image is built on; equals the pyspark pin in pyproject.toml
# (tests/operator/test_crd.py checks it against the installed pyspark).
SPARK_VERSION = "4.2.0"
# Elastic Stack version shipped by default; ECK 3.5 manages 8.x and 9.x stacks.
ELASTIC_VERSION = "9.2.1"
JOBS_IMAGE = "fraud-platform/jobs:0.1.0"
DASHBOARD_IMAGE = "fraud-platform/dashboard:0.1.0"

Schema = dict[str, Any]

# A Kubernetes resource quantity such as 10Gi, 512Mi or 1.5T.
QUANTITY = r"^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$"
# A JVM heap size as Cassandra's jvm options take it: 512M, 2G.
HEAP = r"^[0-9]+[MG]$"
# Spark memory: 512m, 2g.
SPARK_MEMORY = r"^[0-9]+[mg]$"
CONDITION_TYPES = ["Ready", "KafkaReady", "CassandraReady", "ModelReady", "StreamingReady",
                   "DashboardReady", "ElasticReady"]


def _int(default: int, minimum: int, maximum: int, doc: str) -> Schema:
    return {"type": "integer", "format": "int32", "default": default, "minimum": minimum,
            "maximum": maximum, "description": doc}


def _str(default: str | None, doc: str, pattern: str | None = None, max_length: int = 253) -> Schema:
    out: Schema = {"type": "string", "description": doc, "maxLength": max_length}
    if default is not None:
        out["default"] = default
    if pattern:
        out["pattern"] = pattern
    return out


def _bool(default: bool, doc: str) -> Schema:
    return {"type": "boolean", "default": default, "description": doc}


def _obj(doc: str, props: dict[str, Schema], rules: list[tuple[str, str, str]] = ()) -> Schema:
    """An object whose default is the object of its properties' defaults. (A bare {} would
    be checked against the CEL rules before nested defaulting, and fail them.)"""
    default = {key: copy.deepcopy(sub["default"]) for key, sub in props.items() if "default" in sub}
    out: Schema = {"type": "object", "default": default, "description": doc, "properties": props}
    if rules:
        out["x-kubernetes-validations"] = [
            {"rule": rule, "message": message, "fieldPath": path} if path else {"rule": rule, "message": message}
            for rule, message, path in rules
        ]
    return out


def _storage(default_size: str) -> dict[str, Schema]:
    return {
        "size": _str(default_size, "PersistentVolumeClaim size per node.", QUANTITY, 32),
        "storageClass": _str(None, "StorageClass of the claims; empty means the cluster default.", None, 253),
    }


def kafka_schema() -> Schema:
    storage = _storage("10Gi")
    storage["type"] = {"type": "string", "enum": ["persistent-claim", "ephemeral"],
                       "default": "persistent-claim",
                       "description": "persistent-claim keeps data across restarts; ephemeral is for tests."}
    topic = _obj(f"The transactions topic ({schema.TOPIC}).", {
        "partitions": _int(schema.TOPIC_PARTITIONS, 1, 1000, "Partitions; the stream job's parallelism."),
        "replicas": _int(3, 1, 9, "Replication factor; at most kafka.replicas."),
        "retentionHours": _int(168, 1, 87600, "How long transactions stay on the topic."),
    })
    return _obj("Apache Kafka, run by Strimzi (KRaft, one dual-role node pool).", {
        "replicas": _int(3, 1, 9, "Kafka nodes (controller and broker roles)."),
        "version": _str(versions.KAFKA, "Kafka version; must be one the installed Strimzi supports.",
                        r"^[0-9]+\.[0-9]+\.[0-9]+$", 16),
        "storage": _obj("Broker storage.", storage, [
            ("self.type == 'persistent-claim' || !has(self.storageClass)",
             "kafka.storage.storageClass applies only to persistent-claim storage", ".storageClass"),
        ]),
        "topic": topic,
    }, [
        ("self.topic.replicas <= self.replicas",
         "kafka.topic.replicas must not exceed kafka.replicas (a topic cannot have more replicas than brokers)",
         ".topic.replicas"),
    ])


def cassandra_schema() -> Schema:
    return _obj("Apache Cassandra, run by K8ssandra (one datacenter).", {
        "serverVersion": _str(versions.CASSANDRA, "Cassandra version.", r"^[0-9]+\.[0-9]+\.[0-9]+$", 16),
        "datacenter": _str("dc1", "Datacenter name.", r"^[a-z]([-a-z0-9]*[a-z0-9])?$", 30),
        "size": _int(3, 1, 30, "Cassandra nodes."),
        "replicationFactor": _int(3, 1, 5, "Replication factor of the keyspace; at most size."),
        "heap": _str("1G", "JVM heap per node, e.g. 1G or 512M.", HEAP, 8),
        "storage": _obj("Data volume per node.", _storage("10Gi")),
    }, [
        ("self.replicationFactor <= self.size",
         "cassandra.replicationFactor must not exceed cassandra.size (the number of nodes)",
         ".replicationFactor"),
    ])


def _resources(cores: int, memory: str, doc: str) -> Schema:
    return _obj(doc, {
        "cores": _int(cores, 1, 64, "CPU cores."),
        "memory": _str(memory, "Memory, e.g. 1g or 512m.", SPARK_MEMORY, 8),
    })


def spark_schema() -> Schema:
    executor = _resources(1, "2g", "Each executor.")
    executor["properties"]["instances"] = _int(2, 1, 100, "Executors per application.")
    return _obj("Spark applications (import, training, retraining, streaming) run by the Spark operator.", {
        "image": _str(JOBS_IMAGE, "Image with Spark and the fraud_jobs package.", None, 512),
        "sparkVersion": _str(SPARK_VERSION, "Spark version inside the image.", r"^[0-9]+\.[0-9]+\.[0-9]+$", 16),
        "serviceAccount": _str("spark-operator-spark",
                               "ServiceAccount the Spark driver runs as; it must be allowed to create "
                               "executor pods (the Spark operator chart creates this one).",
                               r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", 253),
        "driver": _resources(1, "1g", "The driver."),
        "executor": executor,
        "streaming": _obj("The streaming scoring job.", {
            "trigger": _str("10 seconds", "Micro-batch trigger interval, e.g. '10 seconds'.",
                            r"^[1-9][0-9]* (milliseconds|seconds|minutes)$", 32),
        }),
        "retraining": _obj("Periodic retraining.", {
            "enabled": _bool(True, "Run the retraining schedule."),
            "schedule": _str("0 3 * * *", "Cron schedule (or @daily, @hourly ...).",
                             r"^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|@every [0-9]+[smh]"
                             r"|(\S+\s+){4}\S+)$", 100),
        }),
    })


def model_schema() -> Schema:
    return _obj("Where trained models live.", {
        "path": _str("/models", "An absolute path (kept on a PersistentVolumeClaim the operator creates) "
                     "or a URI such as s3a://bucket/models.", None, 1024),
        "storageSize": _str("1Gi", "Size of the models claim when path is a local path.", QUANTITY, 32),
        "storageClass": _str(None, "StorageClass of the models claim.", None, 253),
    }, [
        ("self.path.startsWith('/') || self.path.matches('^[a-z][a-z0-9+.-]*://.+')",
         "model.path must be an absolute path like /models or a URI like s3a://bucket/models", ".path"),
    ])


def data_schema() -> Schema:
    return _obj("The historical customers and transactions the import job loads.", {
        "customers": _str("/data/customers.csv", "Customers file (CSV, CSV.gz or Parquet): a path the Spark pods "
                          "see or a URI such as s3a://bucket/customers.parquet.", None, 1024),
        "transactions": _str("/data/transactions.csv", "Transactions file, same formats as customers.",
                             None, 1024),
    })


def apps_schema() -> dict[str, Schema]:
    return {
        "producer": _obj("The transaction producer (a data source for demos and load tests).", {
            "enabled": _bool(True, "Run the producer."),
            "rate": _int(10, 1, 100000, "Transactions per second."),
        }),
        "dashboard": _obj("The Streamlit live dashboard.", {
            "enabled": _bool(True, "Run the dashboard."),
            "image": _str(DASHBOARD_IMAGE, "Dashboard and REST API image.", None, 512),
            "replicas": _int(1, 1, 10, "Dashboard pods."),
            "serviceType": {"type": "string", "enum": ["ClusterIP", "NodePort", "LoadBalancer"],
                            "default": "ClusterIP", "description": "How the dashboard Service is exposed."},
        }),
        "api": _obj("The REST API.", {
            "enabled": _bool(True, "Run the REST API."),
            "replicas": _int(1, 1, 10, "API pods."),
            "tokenSecret": _str(None, "Secret (key 'token') holding the API's bearer token; default "
                                "<pipeline name>-api-token. The API refuses to start without it.",
                                r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", 253),
        }),
    }


def elastic_schema() -> Schema:
    return _obj("Elasticsearch and Kibana (run by ECK) holding the platform's logs.", {
        "enabled": _bool(False, "Deploy Elasticsearch, Kibana and log shipping."),
        "version": _str(ELASTIC_VERSION, "Elastic Stack version.", r"^[0-9]+\.[0-9]+\.[0-9]+$", 16),
        "nodeCount": _int(1, 1, 9, "Elasticsearch nodes."),
        "kibana": _bool(True, "Deploy Kibana."),
        "logShipping": _bool(True, "Ship the platform's container logs with a filebeat Beat."),
    })


def spec_schema() -> Schema:
    props: dict[str, Schema] = {
        "suspend": _bool(False, "Scale the workloads to zero and stop the streaming job; data stays."),
        "kafka": kafka_schema(),
        "cassandra": cassandra_schema(),
        "spark": spark_schema(),
        "model": model_schema(),
        "data": data_schema(),
        **apps_schema(),
        "elastic": elastic_schema(),
    }
    return _obj("Desired state of the fraud-detection platform.", props)


def condition_schema() -> Schema:
    return {
        "type": "object",
        "required": ["type", "status", "reason", "lastTransitionTime"],
        "properties": {
            "type": {"type": "string", "maxLength": 316},
            "status": {"type": "string", "enum": ["True", "False", "Unknown"]},
            "reason": {"type": "string", "maxLength": 1024, "pattern": r"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$"},
            "message": {"type": "string", "maxLength": 32768},
            "observedGeneration": {"type": "integer", "format": "int64", "minimum": 0},
            "lastTransitionTime": {"type": "string", "format": "date-time"},
        },
    }


def status_schema() -> Schema:
    return {
        "type": "object",
        "description": "Observed state, written by the operator.",
        "properties": {
            "observedGeneration": {"type": "integer", "format": "int64"},
            "phase": {"type": "string", "description": "The chain step the pipeline is at."},
            "conditions": {
                "type": "array",
                "items": condition_schema(),
                "x-kubernetes-list-type": "map",
                "x-kubernetes-list-map-keys": ["type"],
            },
        },
    }


def _condition_column(name: str, condition: str, doc: str) -> dict[str, str]:
    return {"name": name, "type": "string", "description": doc,
            "jsonPath": f'.status.conditions[?(@.type=="{condition}")].status'}


def crd() -> dict[str, Any]:
    """The CustomResourceDefinition manifest."""
    name_rule = {
        "rule": "self.metadata.name.size() <= 40",
        "message": "metadata.name must be at most 40 characters (child names append suffixes to it)",
    }
    root: Schema = {
        "type": "object",
        "required": ["spec"],
        "x-kubernetes-validations": [name_rule],
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"type": "object"},
            "spec": spec_schema(),
            "status": status_schema(),
        },
    }
    columns = [
        _condition_column("Ready", "Ready", "The whole pipeline is ready."),
        _condition_column("Kafka", "KafkaReady", "Kafka cluster and topic are ready."),
        _condition_column("Cassandra", "CassandraReady", "Cassandra and the schema are ready."),
        _condition_column("Model", "ModelReady", "A trained model exists."),
        _condition_column("Streaming", "StreamingReady", "The streaming job runs."),
        {"name": "Phase", "type": "string", "jsonPath": ".status.phase", "priority": 1},
        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
    ]
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{PLURAL}.{GROUP}"},
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
            "names": {"kind": KIND, "plural": PLURAL, "singular": SINGULAR, "shortNames": SHORT_NAMES,
                      "listKind": f"{KIND}List", "categories": ["all", "fraud"]},
            "versions": [{
                "name": VERSION,
                "served": True,
                "storage": True,
                "schema": {"openAPIV3Schema": root},
                "subresources": {"status": {}},
                "additionalPrinterColumns": columns,
            }],
        },
    }


def crd_yaml() -> str:
    header = "# Generated by `fraudctl operator crd` from operator/fraud_operator/crd.py. Do not edit.\n"
    return header + yaml.safe_dump(crd(), sort_keys=False, width=110)


def _default(node: Schema, value: Any) -> Any:
    if value is None and "default" in node:
        value = copy.deepcopy(node["default"])
    if isinstance(value, dict) and node.get("type") == "object":
        for key, sub in node.get("properties", {}).items():
            filled = _default(sub, value.get(key))
            if filled is not None:
                value[key] = filled
    return value


def with_defaults(spec: dict[str, Any] | None) -> dict[str, Any]:
    """The spec with every schema default filled in, as the API server stores it."""
    return _default(spec_schema(), copy.deepcopy(spec) if spec is not None else {})
