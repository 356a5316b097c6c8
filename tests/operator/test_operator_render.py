"""Pure renderers: spec in, manifests out (no cluster needed)."""

from __future__ import annotations

import subprocess
import sys

import yaml

from fraud_jobs import schema
from fraud_operator import crd, readiness, reconcile
from fraud_operator.render import cassandra, dashboard, elastic, kafka, spark


def spec(**over) -> dict:
    return crd.with_defaults(over)


def by_kind(objs: list[dict], kind: str) -> list[dict]:
    return [o for o in objs if o["kind"] == kind]


def test_kafka_renders_cluster_pool_and_topic_with_the_shared_topic_name() -> None:
    objs = kafka.render("p", spec(kafka={"replicas": 5, "topic": {"partitions": 12, "replicas": 2}}))
    (cluster,), (pool,), (topic,) = (by_kind(objs, k) for k in ("Kafka", "KafkaNodePool", "KafkaTopic"))
    assert all(o["apiVersion"] == "kafka.strimzi.io/v1" for o in objs)
    assert pool["spec"]["replicas"] == 5 and pool["metadata"]["labels"]["strimzi.io/cluster"] == "p"
    assert topic["spec"]["topicName"] == schema.TOPIC
    assert (topic["spec"]["partitions"], topic["spec"]["replicas"]) == (12, 2)
    assert topic["spec"]["config"]["retention.ms"] == 168 * 3600 * 1000
    assert cluster["spec"]["kafka"]["config"]["min.insync.replicas"] == 2


def test_kafka_ephemeral_storage_has_no_size() -> None:
    (pool,) = by_kind(kafka.render("p", spec(kafka={"storage": {"type": "ephemeral"}})), "KafkaNodePool")
    (volume,) = pool["spec"]["storage"]["volumes"]
    assert volume["type"] == "ephemeral" and "size" not in volume


def test_schema_job_runs_the_shared_schema_with_the_cluster_replication() -> None:
    s = spec(cassandra={"size": 5, "replicationFactor": 2, "datacenter": "east"})
    config, job = cassandra.render_schema("p", s)
    cql = config["data"]["schema.cql"]
    for table in schema.TABLES:
        assert f"CREATE TABLE IF NOT EXISTS {schema.KEYSPACE}.{table}" in cql
    assert "'class': 'NetworkTopologyStrategy', 'east': 2" in cql
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == f"cassandra:{s['cassandra']['serverVersion']}"
    assert any(e["name"] == "HOST" and e["value"] == "p-east-service" for e in container["env"])


def test_cassandra_cluster_carries_size_heap_and_storage() -> None:
    (k8c,) = cassandra.render_cluster("p", spec(cassandra={"size": 4, "heap": "2G",
                                                           "storage": {"size": "50Gi", "storageClass": "fast"}}))
    (dc,) = k8c["spec"]["cassandra"]["datacenters"]
    assert dc["size"] == 4 and dc["config"]["jvmOptions"]["heapSize"] == "2G" and dc["stopped"] is False
    claim = dc["storageConfig"]["cassandraDataVolumeClaimSpec"]
    assert claim["resources"]["requests"]["storage"] == "50Gi" and claim["storageClassName"] == "fast"


def test_streaming_restarts_always_and_suspend_pauses_stream_and_schedule() -> None:
    stream, retrain = spark.render_streaming("p", spec(suspend=True))
    assert stream["spec"]["restartPolicy"]["type"] == "Always"
    assert stream["spec"]["suspend"] is True and retrain["spec"]["suspend"] is True
    assert retrain["spec"]["schedule"] == "0 3 * * *"
    assert spark.render_streaming("p", spec(spark={"retraining": {"enabled": False}}))[1:] == []


def test_local_model_path_gets_a_claim_and_a_uri_does_not() -> None:
    local = spark.render_import("p", spec())
    assert [o["kind"] for o in local] == ["PersistentVolumeClaim", "SparkApplication"]
    mounts = local[1]["spec"]["driver"]["volumeMounts"]
    assert mounts == [{"name": "models", "mountPath": "/models"}]
    remote = spark.render_import("p", spec(model={"path": "s3a://bucket/models"}))
    assert [o["kind"] for o in remote] == ["SparkApplication"] and "volumes" not in remote[0]["spec"]


def test_dashboard_disabled_components_render_nothing_and_suspend_scales_to_zero() -> None:
    objs = dashboard.render("p", spec(producer={"enabled": False}, dashboard={"replicas": 3,
                                                                               "serviceType": "NodePort"}))
    names = {o["metadata"]["name"] for o in by_kind(objs, "Deployment")}
    assert names == {"p-dashboard", "p-api"}
    (svc,) = [o for o in by_kind(objs, "Service") if o["metadata"]["name"] == "p-dashboard"]
    assert svc["spec"]["type"] == "NodePort"
    suspended = dashboard.render("p", spec(suspend=True))
    assert {o["spec"]["replicas"] for o in by_kind(suspended, "Deployment")} == {0}


def test_elastic_is_off_by_default_and_kibana_optional() -> None:
    assert elastic.render("p", spec()) == []
    objs = elastic.render("p", spec(elastic={"enabled": True, "kibana": False, "nodeCount": 3}))
    assert [o["kind"] for o in objs] == ["Elasticsearch", "Beat"]
    assert objs[0]["spec"]["nodeSets"][0]["count"] == 3 and "kibanaRef" not in objs[1]["spec"]


def test_every_child_is_labelled_with_its_pipeline_and_stage() -> None:
    objs = reconcile.desired("p", spec(elastic={"enabled": True}))
    stages = {s.name for s in (reconcile.ELASTIC, *reconcile.CHAIN)}
    for obj in objs:
        labels = obj["metadata"]["labels"]
        assert labels["fraudplatform.io/pipeline"] == "p" and labels["fraudplatform.io/stage"] in stages
    keys = [(o["kind"], o["metadata"]["name"]) for o in objs]
    assert len(keys) == len(set(keys))


def test_contains_ignores_server_added_fields_but_not_changed_ones() -> None:
    want = {"spec": {"replicas": 2, "ports": [{"port": 80}]}}
    assert reconcile.contains({"spec": {"replicas": 2, "ports": [{"port": 80, "nodePort": 1}], "x": 1}}, want)
    assert not reconcile.contains({"spec": {"replicas": 3, "ports": [{"port": 80}]}}, want)
    assert not reconcile.contains({"spec": {"replicas": 2, "ports": []}}, want)


def test_conditions_keep_transition_time_while_status_is_unchanged() -> None:
    old = [{"type": "KafkaReady", "status": "False", "reason": "NotReady", "lastTransitionTime": "T0"}]
    outcome = reconcile.Outcome({"KafkaReady": readiness.Verdict(False, "NotObserved", "m")})
    (cond,) = reconcile.conditions(outcome, old, 4)
    assert cond["lastTransitionTime"] == "T0" and cond["observedGeneration"] == 4
    assert reconcile.transitions(old, [cond]) == [cond]  # the reason changed: an Event
    outcome = reconcile.Outcome({"KafkaReady": readiness.Verdict(True, "Ready", "m")})
    (cond,) = reconcile.conditions(outcome, old, 4)
    assert cond["lastTransitionTime"] != "T0" and cond["status"] == "True"


def test_ready_needs_the_current_generation_observed() -> None:
    obj = {"kind": "Kafka", "metadata": {"name": "k", "generation": 2},
           "status": {"observedGeneration": 1, "conditions": [{"type": "Ready", "status": "True"}]}}
    assert readiness.check("Kafka", "k", obj).reason == "NotObserved"
    obj["status"]["observedGeneration"] = 2
    assert readiness.check("Kafka", "k", obj).ready
    assert readiness.check("Kafka", "k", None).reason == "ChildMissing"


def test_render_cli_prints_namespaced_children(tmp_path) -> None:
    path = tmp_path / "fp.yaml"
    path.write_text("apiVersion: fraudplatform.io/v1alpha1\nkind: FraudPipeline\nmetadata: {name: demo}\n"
                    "spec: {producer: {enabled: false}}\n")
    proc = subprocess.run([sys.executable, "-m", "fraud_jobs.cli.main", "operator", "render", str(path),
                           "-n", "ns1"], capture_output=True, text=True, check=True)
    objs = list(yaml.safe_load_all(proc.stdout))
    assert {o["metadata"]["namespace"] for o in objs} == {"ns1"}
    assert "demo-producer" not in {o["metadata"]["name"] for o in objs}
    assert len(objs) == len(reconcile.desired("demo", spec(producer={"enabled": False})))


def test_render_cli_names_a_file_without_pipelines(tmp_path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("kind: ConfigMap\n")
    proc = subprocess.run([sys.executable, "-m", "fraud_jobs.cli.main", "operator", "render", str(path)],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "no document with kind: FraudPipeline" in proc.stderr


def _env(container: dict) -> dict[str, dict]:
    return {e["name"]: e for e in container["env"]}


def test_import_application_is_told_where_the_historical_data_is() -> None:
    objs = spark.render_import("p", spec(data={"customers": "s3a://b/c.parquet", "transactions": "/data/t.csv.gz"}))
    (app,) = by_kind(objs, "SparkApplication")
    for role in ("driver", "executor"):
        env = _env(app["spec"][role])
        assert env["FRAUD_CUSTOMERS"]["value"] == "s3a://b/c.parquet"
        assert env["FRAUD_TRANSACTIONS"]["value"] == "/data/t.csv.gz"


def test_api_reads_its_token_from_a_secret() -> None:
    def token_ref(s: dict) -> dict:
        deployments = {d["metadata"]["name"]: d for d in by_kind(dashboard.render("p", s), "Deployment")}
        (container,) = deployments[dashboard.api_name("p")]["spec"]["template"]["spec"]["containers"]
        return _env(container)["FRAUD_API_TOKEN"]["valueFrom"]["secretKeyRef"]

    assert token_ref(spec()) == {"name": "p-api-token", "key": "token"}
    assert token_ref(spec(api={"tokenSecret": "my-token"}))["name"] == "my-token"
