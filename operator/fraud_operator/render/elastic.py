"""Logs: ECK Elasticsearch and Kibana (v1) and a filebeat Beat (v1beta1) that ships the
pipeline's container logs. Disabled (the default) renders nothing, which deletes them."""

from __future__ import annotations

from typing import Any

from .common import Manifest, Spec, manifest

STAGE = "elastic"


def elasticsearch_name(pipeline: str) -> str:
    return f"{pipeline}-logs"


def kibana_name(pipeline: str) -> str:
    return f"{pipeline}-kibana"


def beat_name(pipeline: str) -> str:
    return f"{pipeline}-filebeat"


def _filebeat_config(pipeline: str) -> dict[str, Any]:
    # Kubelet names container log files <pod>_<namespace>_<container>-<id>.log, and every
    # pod of the pipeline starts with its name, so a glob is enough: no cluster-wide RBAC
    # for kubernetes autodiscover is needed.
    return {
        "filebeat.inputs": [{
            "type": "filestream",
            "id": f"{pipeline}-containers",
            "paths": [f"/var/log/containers/{pipeline}-*.log"],
            "parsers": [{"container": {}}],
        }],
        "processors": [{"add_fields": {"target": "fraud", "fields": {"pipeline": pipeline}}}],
    }


def _beat(pipeline: str, spec: Spec) -> Manifest:
    host_logs = [("varlogcontainers", "/var/log/containers"), ("varlogpods", "/var/log/pods")]
    pod_spec = {
        "automountServiceAccountToken": False,
        "securityContext": {"runAsUser": 0},  # the host's log files are root-readable only
        "containers": [{
            "name": "filebeat",
            "volumeMounts": [{"name": n, "mountPath": p, "readOnly": True} for n, p in host_logs],
        }],
        "volumes": [{"name": n, "hostPath": {"path": p}} for n, p in host_logs],
    }
    beat_spec: dict[str, Any] = {
        "type": "filebeat",
        "version": spec["elastic"]["version"],
        "elasticsearchRef": {"name": elasticsearch_name(pipeline)},
        "config": _filebeat_config(pipeline),
        "daemonSet": {"podTemplate": {"spec": pod_spec}},
    }
    if spec["elastic"]["kibana"]:
        beat_spec["kibanaRef"] = {"name": kibana_name(pipeline)}
    return manifest("beat.k8s.elastic.co/v1beta1", "Beat", beat_name(pipeline), pipeline, "filebeat", STAGE,
                    beat_spec)


def render(pipeline: str, spec: Spec) -> list[Manifest]:
    elastic = spec["elastic"]
    if not elastic["enabled"]:
        return []
    children = [manifest("elasticsearch.k8s.elastic.co/v1", "Elasticsearch", elasticsearch_name(pipeline),
                         pipeline, "elasticsearch", STAGE, {
        "version": elastic["version"],
        "nodeSets": [{
            "name": "default",
            "count": elastic["nodeCount"],
            # No mmap: works on nodes where vm.max_map_count cannot be raised.
            "config": {"node.store.allow_mmap": False},
        }],
    })]
    if elastic["kibana"]:
        children.append(manifest("kibana.k8s.elastic.co/v1", "Kibana", kibana_name(pipeline), pipeline,
                                 "kibana", STAGE, {
            "version": elastic["version"],
            "count": 1,
            "elasticsearchRef": {"name": elasticsearch_name(pipeline)},
        }))
    if elastic["logShipping"]:
        children.append(_beat(pipeline, spec))
    return children
