"""The platform's own workloads: producer, Streamlit dashboard and REST API Deployments
and the Services in front of the dashboard and the API."""

from __future__ import annotations

from typing import Any

from .common import Manifest, Spec, manifest, model_volume, platform_env, selector_labels

STAGE = "apps"
DASHBOARD_PORT = 8501
API_PORT = 8000


def producer_name(pipeline: str) -> str:
    return f"{pipeline}-producer"


def dashboard_name(pipeline: str) -> str:
    return f"{pipeline}-dashboard"


def api_token_secret(pipeline: str) -> str:
    """The Secret the user creates with the API's bearer token (key 'token')."""
    return f"{pipeline}-api-token"


def api_name(pipeline: str) -> str:
    return f"{pipeline}-api"


def _container(name: str, image: str, args: list[str], env: list, port: int | None,
               mounts: list) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": name,
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "command": ["fraudctl"],
        "args": args,
        "env": env,
        "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "1Gi"}},
        "securityContext": {"allowPrivilegeEscalation": False, "runAsNonRoot": True,
                            "capabilities": {"drop": ["ALL"]}},
    }
    if port:
        container["ports"] = [{"name": "http", "containerPort": port, "protocol": "TCP"}]
        # A TCP probe: the process serves as soon as it listens; data freshness is the
        # dashboard's own concern and must not restart the pod.
        container["readinessProbe"] = {"tcpSocket": {"port": "http"}, "periodSeconds": 10}
        container["livenessProbe"] = {"tcpSocket": {"port": "http"}, "initialDelaySeconds": 30,
                                      "periodSeconds": 20}
    if mounts:
        container["volumeMounts"] = mounts
    return container


def _deployment(pipeline: str, name: str, component: str, replicas: int, container: dict,
                volumes: list) -> Manifest:
    selector = selector_labels(pipeline, component)
    pod_spec: dict[str, Any] = {"containers": [container], "automountServiceAccountToken": False}
    if volumes:
        pod_spec["volumes"] = volumes
    return manifest("apps/v1", "Deployment", name, pipeline, component, STAGE, {
        "replicas": replicas,
        "selector": {"matchLabels": selector},
        "template": {"metadata": {"labels": selector}, "spec": pod_spec},
    })


def _service(pipeline: str, name: str, component: str, port: int, service_type: str) -> Manifest:
    return manifest("v1", "Service", name, pipeline, component, STAGE, {
        "type": service_type,
        "selector": selector_labels(pipeline, component),
        "ports": [{"name": "http", "port": port, "targetPort": "http", "protocol": "TCP"}],
    })


def render(pipeline: str, spec: Spec) -> list[Manifest]:
    """Disabled components render nothing (and so are deleted); suspend scales to zero."""
    scale = 0 if spec["suspend"] else 1
    env = platform_env(pipeline, spec)
    children: list[Manifest] = []
    if spec["producer"]["enabled"]:
        producer_env = [*env, {"name": "FRAUD_PRODUCER_RATE", "value": str(spec["producer"]["rate"])}]
        container = _container("producer", spec["spark"]["image"], ["produce"], producer_env, None, [])
        children.append(_deployment(pipeline, producer_name(pipeline), "producer", scale, container, []))
    volumes, mounts = model_volume(pipeline, spec)
    dashboard = spec["dashboard"]
    if dashboard["enabled"]:
        container = _container("dashboard", dashboard["image"], ["dashboard"], env, DASHBOARD_PORT, [])
        children.append(_deployment(pipeline, dashboard_name(pipeline), "dashboard",
                                    scale * dashboard["replicas"], container, []))
        children.append(_service(pipeline, dashboard_name(pipeline), "dashboard", DASHBOARD_PORT,
                                 dashboard["serviceType"]))
    api = spec["api"]
    if api["enabled"]:
        token = {"name": "FRAUD_API_TOKEN", "valueFrom": {"secretKeyRef": {
            "name": api.get("tokenSecret") or api_token_secret(pipeline), "key": "token"}}}
        container = _container("api", dashboard["image"], ["api"], [*env, token], API_PORT, mounts)
        children.append(_deployment(pipeline, api_name(pipeline), "api", scale * api["replicas"],
                                    container, volumes))
        children.append(_service(pipeline, api_name(pipeline), "api", API_PORT, "ClusterIP"))
    return children
