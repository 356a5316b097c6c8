"""The charts against the real test kube-apiserver (tests/harness/kube.py) with the real helm:

- every object either chart renders (default values and every ci/*-values.yaml) and both example
  FraudPipelines are accepted by a server-side dry-run apply, with the upstream CRDs installed;
- `helm install` of the operator chart succeeds;
- its RBAC is sufficient: the operator, run with the chart's ServiceAccount token and the chart's
  own container arguments, reconciles a FraudPipeline (children applied, status written, Event
  posted, liveness endpoint up);
- and minimal: requests outside it are forbidden for that ServiceAccount.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from fraud_operator import crd

from .helmtools import (
    OPERATOR_CHART,
    PLATFORM_CHART,
    REPO,
    by_kind,
    ci_values,
    documents,
    offline_platform_chart,
    run,
    template,
)

pytestmark = [pytest.mark.kube, pytest.mark.helm]

KUBECTL = os.environ.get("KUBECTL", "kubectl")
FRAUDCTL = str(Path(sys.executable).parent / "fraudctl")


def kubectl(
    kubeconfig: str, *args: str, stdin: str | None = None, check: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [KUBECTL, "--kubeconfig", kubeconfig, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"kubectl {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def cluster(kube: Any) -> str:
    """Admin kubeconfig of the test API server. The harness installed every upstream CRD from
    shared/crds and the FraudPipeline CRD; check they are served before relying on them."""
    kubeconfig = str(kube.kubeconfig)
    names = kubectl(kubeconfig, "get", "crd", "-o", "name").stdout.split()
    for plural in (
        "kafkas.kafka.strimzi.io",
        "k8ssandraclusters.k8ssandra.io",
        "sparkapplications.sparkoperator.k8s.io",
        "elasticsearches.elasticsearch.k8s.elastic.co",
        f"{crd.PLURAL}.{crd.GROUP}",
    ):
        assert f"customresourcedefinition.apiextensions.k8s.io/{plural}" in names, plural
    return kubeconfig


def _dry_run_apply(kubeconfig: str, namespace: str, objects: list[dict[str, Any]]) -> None:
    assert objects
    stream = yaml.safe_dump_all(objects, sort_keys=False)
    proc = kubectl(
        kubeconfig,
        "apply",
        "--server-side",
        "--dry-run=server",
        "--validate=strict",
        # Dry run only: taking over fields the harness applied (e.g. the CRD) changes nothing.
        "--force-conflicts",
        "--field-manager=chart-tests",
        "-n",
        namespace,
        "-f",
        "-",
        stdin=stream,
        check=False,
    )
    assert proc.returncode == 0, f"the API server rejected rendered objects:\n{proc.stderr}"
    accepted = [line for line in proc.stdout.splitlines() if "(server dry run)" in line]
    assert len(accepted) == len(objects), proc.stdout


@pytest.mark.parametrize(
    "values", [None, *ci_values(OPERATOR_CHART)], ids=lambda p: p.name if p else "defaults"
)
def test_operator_chart_objects_accepted_by_api_server(
    helm: Path, helm_env: dict[str, str], cluster: str, kube_namespace: str, values: Path | None
) -> None:
    args = ["--include-crds", "--set", f"fullnameOverride=fo-{uuid.uuid4().hex[:8]}"]
    if values is not None:
        args += ["-f", str(values)]
        if yaml.safe_load(values.read_text()).get("watchNamespace"):
            args += ["--set", f"watchNamespace={kube_namespace}"]  # a namespace that exists here
    objects = template(helm, helm_env, OPERATOR_CHART, *args, namespace=kube_namespace)
    _dry_run_apply(cluster, kube_namespace, objects)


@pytest.mark.parametrize(
    "values", [None, *ci_values(PLATFORM_CHART)], ids=lambda p: p.name if p else "defaults"
)
def test_platform_chart_objects_accepted_by_api_server(
    helm: Path,
    helm_env: dict[str, str],
    cluster: str,
    kube_namespace: str,
    tmp_path: Path,
    values: Path | None,
) -> None:
    chart = offline_platform_chart(helm, helm_env, tmp_path)
    args = ["--include-crds", "--set", f"fraud-operator.fullnameOverride=fo-{uuid.uuid4().hex[:8]}"]
    if values is not None:
        args += ["-f", str(values)]
        if (yaml.safe_load(values.read_text()).get("fraud-operator") or {}).get("watchNamespace"):
            args += ["--set", f"fraud-operator.watchNamespace={kube_namespace}"]
    objects = template(helm, helm_env, chart, *args, namespace=kube_namespace)
    _dry_run_apply(cluster, kube_namespace, objects)
    if values is not None and "example" in values.name:
        assert by_kind(objects, "FraudPipeline"), "the example pipeline was not rendered"


@pytest.mark.parametrize(
    "example", sorted((REPO / "manifests").glob("fraudpipeline-*.yaml")), ids=lambda p: p.name
)
def test_example_pipelines_accepted_by_api_server(cluster: str, kube_namespace: str, example: Path) -> None:
    _dry_run_apply(cluster, kube_namespace, documents(example.read_text()))


def test_api_server_rejects_an_invalid_pipeline(cluster: str, kube_namespace: str) -> None:
    """The dry-run check can fail: a pipeline breaking a CRD rule is refused with the CRD's message."""
    bad = yaml.safe_load((REPO / "manifests" / "fraudpipeline-laptop.yaml").read_text())
    bad["spec"]["kafka"]["topic"]["replicas"] = 3  # more topic replicas than brokers (1)
    proc = kubectl(
        cluster,
        "apply",
        "--server-side",
        "--dry-run=server",
        "-n",
        kube_namespace,
        "-f",
        "-",
        stdin=yaml.safe_dump(bad),
        check=False,
    )
    assert proc.returncode != 0
    assert "kafka.topic.replicas must not exceed kafka.replicas" in proc.stderr


# --- helm install, and the operator running with the chart's ServiceAccount -------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def installed_operator(
    helm: Path, helm_env: dict[str, str], cluster: str, kube_namespace: str
) -> Iterator[dict[str, Any]]:
    """`helm install` of charts/fraud-operator watching kube_namespace only, so this operator never
    touches pipelines of other tests sharing the API server. Yields release facts; uninstalls."""
    release = f"fo-{uuid.uuid4().hex[:8]}"
    port = _free_port()
    base = ["--kubeconfig", cluster, "-n", kube_namespace]
    sets = ["--set", f"watchNamespace={kube_namespace}", "--set", f"operator.healthPort={port}"]
    result = run(helm, helm_env, "install", release, str(OPERATOR_CHART), *base, *sets, timeout=300).check()
    try:
        manifest = documents(run(helm, helm_env, "get", "manifest", release, *base).check().stdout)
        yield {"release": release, "port": port, "manifest": manifest, "notes": result.stdout}
    finally:
        run(helm, helm_env, "uninstall", release, *base, "--wait", "--timeout", "120s", timeout=300)


def test_helm_install_operator_chart(
    installed_operator: dict[str, Any], cluster: str, kube_namespace: str
) -> None:
    manifest = installed_operator["manifest"]
    kinds = sorted(o["kind"] for o in manifest)
    assert kinds == [
        "ClusterRole",
        "ClusterRoleBinding",
        "Deployment",
        "Role",
        "RoleBinding",
        "ServiceAccount",
    ]
    for obj in manifest:
        ns = obj["metadata"].get("namespace", kube_namespace)
        kubectl(cluster, "get", "-n", ns, obj["kind"].lower(), obj["metadata"]["name"])
    assert "NOTES:" in installed_operator["notes"] and "fraudpipeline" in installed_operator["notes"].lower()
    status = kubectl(cluster, "get", "crd", f"{crd.PLURAL}.{crd.GROUP}", "-o", "json").stdout
    assert json.loads(status)["spec"]["names"]["kind"] == crd.KIND


@contextlib.contextmanager
def _operator_process(installed: dict[str, Any], kubeconfig: Path, log: Path) -> Iterator[subprocess.Popen]:
    """The operator exactly as the chart's Deployment starts it (its container args), on this host."""
    (deployment,) = by_kind(installed["manifest"], "Deployment")
    args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
    # Same arguments, but the health endpoint on loopback only: this is a shared test machine.
    args = [a.replace("0.0.0.0", "127.0.0.1") for a in args]
    env = dict(os.environ, KUBECONFIG=str(kubeconfig), PYTHONUNBUFFERED="1")
    env.pop("KUBERNETES_SERVICE_HOST", None)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [FRAUDCTL, *args, "--resync-seconds", "5", "--retry-seconds", "2"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=REPO,
        )
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_for(what: str, check: Any, timeout: float, proc: subprocess.Popen, log: Path) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, (
            f"the operator exited ({proc.returncode}) while waiting for {what}:\n{log.read_text()[-4000:]}"
        )
        value = check()
        if value:
            return value
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}; operator log:\n{log.read_text()[-4000:]}")


def test_operator_reconciles_with_the_chart_service_account(
    kube: Any, installed_operator: dict[str, Any], cluster: str, kube_namespace: str, tmp_path: Path
) -> None:
    (sa,) = by_kind(installed_operator["manifest"], "ServiceAccount")
    token = kube.service_account_token(kube_namespace, sa["metadata"]["name"])
    sa_config = kube.kubeconfig_for_token(token, tmp_path / "sa.kubeconfig", user="fraud-operator")
    log = tmp_path / "operator.log"
    pipeline = yaml.safe_load((REPO / "manifests" / "fraudpipeline-laptop.yaml").read_text())
    name = pipeline["metadata"]["name"]
    with _operator_process(installed_operator, sa_config, log) as proc:
        health = f"http://127.0.0.1:{installed_operator['port']}/healthz"

        def healthy() -> bool:
            with contextlib.suppress(OSError), urllib.request.urlopen(health, timeout=2) as resp:
                return resp.status == 200
            return False

        _wait_for("the liveness endpoint", healthy, 60, proc, log)
        kubectl(
            cluster, "apply", "--server-side", "-n", kube_namespace, "-f", "-", stdin=yaml.safe_dump(pipeline)
        )

        def status() -> dict[str, Any] | None:
            out = kubectl(cluster, "get", "-n", kube_namespace, crd.PLURAL, name, "-o", "json").stdout
            body = json.loads(out)
            observed = (body.get("status") or {}).get("observedGeneration")
            written = observed == body["metadata"]["generation"] and body["status"].get("conditions")
            return body if written else None

        body = _wait_for("the FraudPipeline status", status, 90, proc, log)
        kinds = {c["type"]: c for c in body["status"]["conditions"]}
        # No Strimzi operator runs here, so Kafka never gets Ready: the chain stops at its first step.
        assert kinds["KafkaReady"]["status"] == "False" and kinds["Ready"]["status"] == "False"
        assert f"{crd.GROUP}/teardown" in body["metadata"].get("finalizers", [])
        kafka = json.loads(
            kubectl(cluster, "get", "-n", kube_namespace, "kafkas.kafka.strimzi.io", "-o", "json").stdout
        )["items"]
        assert kafka and kafka[0]["metadata"]["ownerReferences"][0]["name"] == name
        events = json.loads(
            kubectl(
                cluster,
                "get",
                "events",
                "-n",
                kube_namespace,
                "--field-selector",
                f"involvedObject.name={name}",
                "-o",
                "json",
            ).stdout
        )["items"]
        assert events, "the operator posted no Event on the pipeline"
        # Deleting the pipeline runs the teardown handler, which must be allowed to remove the children.
        kubectl(cluster, "delete", "-n", kube_namespace, crd.PLURAL, name, "--wait=false")

        def gone() -> bool:
            proc_get = kubectl(cluster, "get", "-n", kube_namespace, crd.PLURAL, name, check=False)
            return proc_get.returncode != 0 and "NotFound" in proc_get.stderr

        _wait_for("the pipeline's teardown", gone, 90, proc, log)
    # Neither kopf's own calls (scans, watches, patches, events) nor the chain's may be refused.
    refused = [line for line in log.read_text().splitlines() if "Forbidden" in line or " 403" in line]
    assert not refused, "\n".join(refused[:20])


# (verb, resource, namespace: "own" = the watched namespace, "other" = elsewhere)
FORBIDDEN = [
    ("list", "secrets", "own"),
    ("get", "secrets", "own"),
    ("create", "pods", "own"),
    ("delete", "fraudpipelines.fraudplatform.io", "own"),
    ("create", "roles.rbac.authorization.k8s.io", "own"),
    ("create", "deployments.apps", "other"),
    ("list", "fraudpipelines.fraudplatform.io", "other"),
    ("delete", "namespaces", None),
    ("get", "nodes", None),
    ("create", "customresourcedefinitions.apiextensions.k8s.io", None),
]
ALLOWED = [
    ("watch", "fraudpipelines.fraudplatform.io"),
    ("patch", "fraudpipelines.fraudplatform.io/status"),
    ("create", "events"),
    ("create", "kafkas.kafka.strimzi.io"),
    ("delete", "k8ssandraclusters.k8ssandra.io"),
    ("patch", "sparkapplications.sparkoperator.k8s.io"),
    ("list", "deployments.apps"),
]


def _can_i(cluster: str, sa: str, verb: str, resource: str, namespace: str | None) -> bool:
    args = ["auth", "can-i", verb, resource, "--as", sa]
    args += ["-n", namespace] if namespace else ["--all-namespaces"]
    proc = kubectl(cluster, *args, check=False)
    return proc.stdout.strip() == "yes"


def test_operator_rbac_is_minimal(
    kube: Any, installed_operator: dict[str, Any], cluster: str, kube_namespace: str, tmp_path: Path
) -> None:
    """The API server's own authorizer (SubjectAccessReview via `kubectl auth can-i --as`) answers for
    the chart's ServiceAccount; then one real request with its token is refused with 403."""
    (sa,) = by_kind(installed_operator["manifest"], "ServiceAccount")
    user = f"system:serviceaccount:{kube_namespace}:{sa['metadata']['name']}"
    for verb, resource in ALLOWED:
        assert _can_i(cluster, user, verb, resource, kube_namespace), f"{verb} {resource} should be allowed"
    for verb, resource, where in FORBIDDEN:
        namespace = {"own": kube_namespace, "other": "default", None: None}[where]
        assert not _can_i(cluster, user, verb, resource, namespace), f"{verb} {resource} ({where}) is allowed"
    token = kube.service_account_token(kube_namespace, sa["metadata"]["name"])
    sa_config = kube.kubeconfig_for_token(token, tmp_path / "sa.kubeconfig", user="fraud-operator")
    proc = kubectl(str(sa_config), "get", "secrets", "-n", kube_namespace, check=False)
    assert proc.returncode != 0 and "Forbidden" in proc.stderr and "cannot list resource" in proc.stderr


def test_cluster_wide_rbac_grants_the_same_everywhere(
    helm: Path, helm_env: dict[str, str], cluster: str, kube_namespace: str
) -> None:
    """Cluster-wide mode: a ClusterRole, so the same verbs hold in any namespace, and still nothing more."""
    release = f"fo-{uuid.uuid4().hex[:8]}"
    base = ["--kubeconfig", cluster, "-n", kube_namespace]
    run(helm, helm_env, "install", release, str(OPERATOR_CHART), *base, timeout=300).check()
    try:
        manifest = documents(run(helm, helm_env, "get", "manifest", release, *base).check().stdout)
        assert sorted(o["kind"] for o in manifest) == [
            "ClusterRole",
            "ClusterRoleBinding",
            "Deployment",
            "ServiceAccount",
        ]
        (sa,) = by_kind(manifest, "ServiceAccount")
        user = f"system:serviceaccount:{kube_namespace}:{sa['metadata']['name']}"
        for verb, resource in ALLOWED:
            assert _can_i(cluster, user, verb, resource, "default"), f"{verb} {resource} in default"
        assert _can_i(cluster, user, "watch", "fraudpipelines.fraudplatform.io", None)
        for verb, resource, _ in FORBIDDEN:
            if (resource.startswith("fraudpipelines") and verb == "list") or resource == "deployments.apps":
                continue  # granted everywhere in this mode
            assert not _can_i(cluster, user, verb, resource, "default"), f"{verb} {resource} is allowed"
    finally:
        run(helm, helm_env, "uninstall", release, *base, "--wait", "--timeout", "120s", timeout=300)
