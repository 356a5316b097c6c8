"""The FraudPipeline CRD: structural schema, defaults, columns, status (no cluster needed)."""

from __future__ import annotations

from importlib.metadata import version

import yaml

from fraud_jobs import schema
from fraud_operator import crd


def _walk(node: dict, path: str = ""):
    yield path, node
    for key, sub in (node.get("properties") or {}).items():
        yield from _walk(sub, f"{path}.{key}")
    if "items" in node:
        yield from _walk(node["items"], f"{path}[]")


def test_schema_is_structural_every_node_has_a_type() -> None:
    root = crd.crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    untyped = [p for p, node in _walk(root) if "type" not in node]
    assert untyped == []


def test_defaults_fill_a_empty_spec_and_keep_given_values() -> None:
    spec = crd.with_defaults({"kafka": {"replicas": 1, "topic": {"replicas": 1}}})
    assert spec["kafka"]["replicas"] == 1 and spec["kafka"]["topic"]["replicas"] == 1
    assert spec["kafka"]["topic"]["partitions"] == schema.TOPIC_PARTITIONS
    assert spec["cassandra"]["size"] == 3 and spec["elastic"]["enabled"] is False
    assert spec["suspend"] is False and spec["dashboard"]["serviceType"] == "ClusterIP"


def test_every_default_is_valid_against_its_own_bounds() -> None:
    import re

    root = crd.spec_schema()
    for path, node in _walk(root):
        if "default" not in node or node["type"] == "object":
            continue
        value = node["default"]
        if "minimum" in node:
            assert node["minimum"] <= value <= node["maximum"], path
        if "pattern" in node:
            assert re.search(node["pattern"], value), path
        if "enum" in node:
            assert value in node["enum"], path


def test_printer_columns_and_status_subresource() -> None:
    version_ = crd.crd()["spec"]["versions"][0]
    names = [c["name"] for c in version_["additionalPrinterColumns"]]
    assert names[:5] == ["Ready", "Kafka", "Cassandra", "Model", "Streaming"] and names[-1] == "Age"
    assert version_["subresources"] == {"status": {}}
    status = version_["schema"]["openAPIV3Schema"]["properties"]["status"]["properties"]
    cond = status["conditions"]["items"]["properties"]
    assert {"type", "status", "reason", "message", "observedGeneration", "lastTransitionTime"} <= set(cond)
    assert "observedGeneration" in status


def test_spark_version_matches_the_pinned_pyspark() -> None:
    assert version("pyspark") == crd.SPARK_VERSION


def test_crd_yaml_round_trips() -> None:
    assert yaml.safe_load(crd.crd_yaml()) == crd.crd()
