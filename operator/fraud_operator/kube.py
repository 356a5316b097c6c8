"""A thin Kubernetes API layer for the children: server-side apply, get, list, delete.

Paths are built from a fixed table of the kinds the renderers produce, so the operator
needs no discovery round-trips and the RBAC it needs is exactly this table.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from .render.common import FIELD_MANAGER


@dataclass(frozen=True)
class Kind:
    api_version: str
    kind: str
    plural: str

    @property
    def base(self) -> str:
        prefix = "/api" if "/" not in self.api_version else "/apis"
        return f"{prefix}/{self.api_version}"

    def path(self, namespace: str, name: str | None = None) -> str:
        out = f"{self.base}/namespaces/{namespace}/{self.plural}"
        return f"{out}/{name}" if name else out


KINDS: dict[str, Kind] = {k.kind: k for k in [
    Kind("kafka.strimzi.io/v1", "Kafka", "kafkas"),
    Kind("kafka.strimzi.io/v1", "KafkaNodePool", "kafkanodepools"),
    Kind("kafka.strimzi.io/v1", "KafkaTopic", "kafkatopics"),
    Kind("k8ssandra.io/v1alpha1", "K8ssandraCluster", "k8ssandraclusters"),
    Kind("sparkoperator.k8s.io/v1beta2", "SparkApplication", "sparkapplications"),
    Kind("sparkoperator.k8s.io/v1beta2", "ScheduledSparkApplication", "scheduledsparkapplications"),
    Kind("elasticsearch.k8s.elastic.co/v1", "Elasticsearch", "elasticsearches"),
    Kind("kibana.k8s.elastic.co/v1", "Kibana", "kibanas"),
    Kind("beat.k8s.elastic.co/v1beta1", "Beat", "beats"),
    Kind("batch/v1", "Job", "jobs"),
    Kind("apps/v1", "Deployment", "deployments"),
    Kind("v1", "Service", "services"),
    Kind("v1", "ConfigMap", "configmaps"),
    Kind("v1", "PersistentVolumeClaim", "persistentvolumeclaims"),
]}


def make_api_client(kubeconfig: str | None = None, server: str | None = None, token: str | None = None,
                    insecure: bool = False, ca_path: str | None = None) -> client.ApiClient:
    """An API client from (in order): an explicit server + token, a kubeconfig file,
    the in-cluster ServiceAccount, or the default kubeconfig."""
    if server and token:
        cfg = client.Configuration()
        cfg.host = server
        cfg.api_key = {"authorization": token}
        cfg.api_key_prefix = {"authorization": "Bearer"}
        cfg.verify_ssl = not insecure
        cfg.ssl_ca_cert = ca_path
        cfg.connection_pool_maxsize = 32
        _quiet_if_insecure(cfg)
        return client.ApiClient(cfg)
    cfg = client.Configuration()
    if kubeconfig or not os.environ.get("KUBERNETES_SERVICE_HOST"):
        config.load_kube_config(config_file=kubeconfig, client_configuration=cfg)
    else:
        config.load_incluster_config(client_configuration=cfg)
    # Sync handlers run in a thread pool; give each worker its own pooled connection.
    cfg.connection_pool_maxsize = 32
    _quiet_if_insecure(cfg)
    return client.ApiClient(cfg)


def _quiet_if_insecure(cfg: client.Configuration) -> None:
    """With verification off on purpose (test clusters), don't warn on every request."""
    if not cfg.verify_ssl:
        import urllib3

        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)


def raw_call(api_client: client.ApiClient, method: str, path: str, body: Any = None,
             query: list | None = None, content_type: str = "application/json", timeout: float = 30) -> Any:
    """One API request on `api_client`; returns the decoded JSON body, raises ApiException."""
    method, url, headers, body, post = api_client.param_serialize(
        method, path, query_params=query or [], body=body, auth_settings=["BearerToken"],
        header_params={"Content-Type": content_type, "Accept": "application/json"})
    response = api_client.call_api(method, url, headers, body, post, _request_timeout=timeout)
    data = response.read()
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else (data or "")
    if not 200 <= response.status < 300:
        raise ApiException(status=response.status, reason=response.reason, body=text)
    return json.loads(text) if text else None


class Api:
    """The calls the reconcile chain makes, on one ApiClient."""

    def __init__(self, api_client: client.ApiClient) -> None:
        self.client = api_client

    def _call(self, method: str, path: str, body: Any = None, query: list | None = None,
              content_type: str = "application/json") -> Any:
        return raw_call(self.client, method, path, body, query, content_type)

    def get(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        try:
            return self._call("GET", KINDS[kind].path(namespace, name))
        except ApiException as err:
            if err.status == 404:
                return None
            raise

    def list(self, kind: str, namespace: str, selector: str) -> list[dict[str, Any]]:
        result = self._call("GET", KINDS[kind].path(namespace), query=[("labelSelector", selector)])
        items = result.get("items") or []
        for item in items:  # list items carry no apiVersion/kind
            item.setdefault("kind", kind)
            item.setdefault("apiVersion", KINDS[kind].api_version)
        return items

    def apply(self, obj: dict[str, Any], namespace: str) -> dict[str, Any]:
        """Server-side apply with force: the operator owns every field it renders."""
        kind = KINDS[obj["kind"]]
        return self._call("PATCH", kind.path(namespace, obj["metadata"]["name"]), body=obj,
                          query=[("fieldManager", FIELD_MANAGER), ("force", "true")],
                          content_type="application/apply-patch+yaml")

    def delete(self, kind: str, namespace: str, name: str) -> bool:
        """Delete with background propagation; False when it was already gone."""
        body = {"apiVersion": "v1", "kind": "DeleteOptions", "propagationPolicy": "Background"}
        try:
            self._call("DELETE", KINDS[kind].path(namespace, name), body=body)
            return True
        except ApiException as err:
            if err.status == 404:
                return False
            raise

    def patch_status(self, path: str, status: dict[str, Any]) -> None:
        self._call("PATCH", f"{path}/status", body={"status": status},
                   content_type="application/merge-patch+json")
