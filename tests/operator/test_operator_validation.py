"""The API server itself rejects bad FraudPipelines, naming the field (schema + CEL rules)."""

from __future__ import annotations

import json

import pytest
from kubernetes.client.exceptions import ApiException
from operator_support import create, pipeline_path

pytestmark = pytest.mark.kube

INVALID = [
    ({"kafka": {"replicas": 0}}, "spec.kafka.replicas"),
    ({"kafka": {"replicas": 2, "topic": {"replicas": 3}}}, "spec.kafka.topic.replicas"),
    ({"kafka": {"storage": {"type": "nfs"}}}, "spec.kafka.storage.type"),
    ({"kafka": {"storage": {"size": "ten gigs"}}}, "spec.kafka.storage.size"),
    ({"kafka": {"topic": {"partitions": 0}}}, "spec.kafka.topic.partitions"),
    ({"cassandra": {"size": 2, "replicationFactor": 3}}, "spec.cassandra.replicationFactor"),
    ({"cassandra": {"heap": "1GB"}}, "spec.cassandra.heap"),
    ({"cassandra": {"serverVersion": "latest"}}, "spec.cassandra.serverVersion"),
    ({"spark": {"executor": {"instances": 0}}}, "spec.spark.executor.instances"),
    ({"spark": {"driver": {"memory": "1GB"}}}, "spec.spark.driver.memory"),
    ({"spark": {"streaming": {"trigger": "fast"}}}, "spec.spark.streaming.trigger"),
    ({"spark": {"retraining": {"schedule": "every day"}}}, "spec.spark.retraining.schedule"),
    ({"model": {"path": "models/here"}}, "spec.model.path"),
    ({"dashboard": {"serviceType": "Ingress"}}, "spec.dashboard.serviceType"),
    ({"producer": {"rate": -5}}, "spec.producer.rate"),
    ({"elastic": {"nodeCount": 10}}, "spec.elastic.nodeCount"),
    ({"kafka": {"storage": {"type": "ephemeral", "storageClass": "fast"}}}, "spec.kafka.storage.storageClass"),
    ({"suspend": "yes"}, "spec.suspend"),
]


@pytest.mark.parametrize(("spec", "field"), INVALID, ids=[f for _, f in INVALID])
def test_invalid_pipeline_is_rejected_naming_the_field(kube, kube_namespace, spec, field) -> None:
    with pytest.raises(ApiException) as err:
        create(kube, kube_namespace, "bad", spec)
    assert err.value.status == 422, err.value.body
    body = json.loads(err.value.body)
    fields = [c.get("field", "") for c in body["details"]["causes"]]
    assert any(f.startswith(field) for f in fields), (field, body["message"])


def test_too_long_name_is_rejected(kube, kube_namespace) -> None:
    with pytest.raises(ApiException) as err:
        create(kube, kube_namespace, "x" * 41, {})
    assert err.value.status == 422 and "metadata.name" in err.value.body


def test_empty_spec_is_accepted_and_defaulted_by_the_server(kube, kube_namespace) -> None:
    created = create(kube, kube_namespace, "defaults", {})
    assert created["spec"]["kafka"]["replicas"] == 3
    assert created["spec"]["spark"]["retraining"]["schedule"] == "0 3 * * *"
    kube.call("DELETE", pipeline_path(kube_namespace, "defaults"))
