"""A real Kubernetes control plane on loopback: etcd, kube-apiserver, kube-controller-manager.

The binaries are built from the Go module proxy by tools/kube/build.sh (cached under
~/.cache/fraud-platform/kube-<version>/). If they cannot be built or the control plane does
not come up, every test that uses these fixtures FAILS; nothing is skipped.

There is no scheduler and no kubelet: objects are stored, validated (OpenAPI, CEL,
admission) and garbage-collected, but no pod ever runs. Tests play the upstream operators
by patching child status (see tests/operator/fakes.py).

Fixtures:
    kube              (session) a `KubeCluster`: `.kubeconfig` (Path, admin token), `.server`
                      (https URL), `.ca_path` (its CA bundle), `.token` (admin bearer token),
                      `.api_client` (kubernetes
                      ApiClient), `.kubectl(*args)` (runs kubectl against it),
                      `.apply(obj_or_list, namespace=None)` (server-side apply, returns the live
                      objects), `.service_account_token(namespace, name)` (a TokenRequest token,
                      for RBAC tests), `.kubeconfig_for_token(token, path)`.
                      Installed: every upstream CRD in ../shared/crds (server-side apply) and the
                      FraudPipeline CRD from fraud_operator.crd.
                      kube-controller-manager runs the garbage collector (owner references),
                      namespace, serviceaccount and PVC/PV-protection controllers only, so
                      Deployments, Jobs and StatefulSets keep the status a test patches.
    kube_namespace    (function) a fresh namespace name (created; deleted afterwards).
    operator_runner   (function) `start(namespace=None, **options) -> OperatorProcess`: runs the
                      real operator (`fraudctl operator run`) as a separate process against
                      `kube`; every process it started is stopped after the test.
                      `OperatorProcess` has `.kill()` (SIGKILL), `.stop()` (SIGTERM), `.log()`,
                      `.rss_bytes()` and `.alive`.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = REPO / "tools" / "kube" / "build.sh"
SHARED_CRDS = REPO.parent / "shared" / "crds"
CONTROLLERS = ",".join([
    "garbage-collector-controller",
    "namespace-controller",
    "serviceaccount-controller",
    "persistentvolumeclaim-protection-controller",
    "persistentvolume-protection-controller",
])
FIELD_MANAGER = "fraud-tests"


def _versions() -> Any:
    sys.path.insert(0, str(REPO / "jobs" / "fraud_jobs"))
    try:
        import versions  # the stdlib-only pin module

        return versions
    finally:
        sys.path.pop(0)


def bin_dir() -> Path:
    """Where build.sh puts the binaries (KUBE_BIN_DIR overrides it)."""
    v = _versions()
    return Path(os.environ.get("KUBE_BIN_DIR") or v.cache_dir() / f"kube-{v.KUBERNETES}")


def build_binaries() -> Path:
    """Build (or find cached) the control plane; raise RuntimeError with the build log."""
    out = bin_dir()
    names = ["kube-apiserver", "kube-controller-manager", f"etcd-{_versions().ETCD}"]
    if all(os.access(out / n, os.X_OK) for n in names):
        return out
    proc = subprocess.run(["bash", str(BUILD_SCRIPT)], capture_output=True, text=True, timeout=3600)
    if proc.returncode != 0:
        raise RuntimeError(f"{BUILD_SCRIPT} failed (exit {proc.returncode}):\n{proc.stdout[-2000:]}"
                           f"\n{proc.stderr[-4000:]}\nFix the Go build and rerun `make kube-bin`.")
    missing = [n for n in names if not os.access(out / n, os.X_OK)]
    if missing:
        raise RuntimeError(f"{BUILD_SCRIPT} succeeded but {missing} are missing from {out}")
    return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _insecure_context() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the apiserver's self-signed serving cert, loopback only
    return ctx


def _wait_http(url: str, proc: subprocess.Popen, log: Path, what: str, timeout: float,
               token: str | None = None) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}; last log lines:\n{_tail(log)}")
        req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
        try:
            with urllib.request.urlopen(req, timeout=2, context=_insecure_context()) as resp:
                if resp.status == 200:
                    return
        except OSError as err:
            last = str(err)
        time.sleep(0.2)
    raise RuntimeError(f"{what} not ready at {url} after {timeout:.0f}s ({last}); log:\n{_tail(log)}")


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _stop(proc: subprocess.Popen, grace: float = 10) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class KubeCluster:
    workdir: Path
    server: str
    token: str
    kubeconfig: Path
    processes: list[subprocess.Popen] = field(default_factory=list)
    _client: Any = None

    @property
    def api_client(self) -> Any:
        if self._client is None:
            from kubernetes import client, config

            cfg = client.Configuration()
            config.load_kube_config(config_file=str(self.kubeconfig), client_configuration=cfg)
            cfg.connection_pool_maxsize = 16
            self._client = client.ApiClient(cfg)
        return self._client

    def call(self, method: str, path: str, body: Any = None, query: list | None = None,
             content_type: str = "application/json") -> Any:
        """A raw API call returning the decoded JSON body."""
        from fraud_operator.kube import raw_call

        return raw_call(self.api_client, method, path, body, query, content_type, timeout=120)

    def kubectl(self, *args: str, check: bool = True, input: str | None = None) -> subprocess.CompletedProcess:
        proc = subprocess.run(["kubectl", f"--kubeconfig={self.kubeconfig}", *args], capture_output=True,
                              text=True, input=input, timeout=120)
        if check and proc.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed: {proc.stderr}")
        return proc

    def apply(self, objs: dict | list[dict], namespace: str | None = None) -> list[dict]:
        """Server-side apply each object (its plural comes from discovery via kubectl's mapper)."""
        items = objs if isinstance(objs, list) else [objs]
        docs = []
        for obj in items:
            obj = json.loads(json.dumps(obj))
            if namespace:
                obj.setdefault("metadata", {})["namespace"] = namespace
            docs.append(obj)
        proc = self.kubectl("apply", "--server-side", "--force-conflicts", f"--field-manager={FIELD_MANAGER}",
                            "-o", "json", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List",
                                                                       "items": docs}))
        out = json.loads(proc.stdout)
        return out.get("items", [out])

    def service_account_token(self, namespace: str, name: str, seconds: int = 3600) -> str:
        """A bound token for a ServiceAccount (created if missing), via the TokenRequest API."""
        with contextlib.suppress(Exception):
            self.call("POST", f"/api/v1/namespaces/{namespace}/serviceaccounts",
                      {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name}})
        result = self.call("POST", f"/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token",
                           {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                            "spec": {"expirationSeconds": seconds}})
        return result["status"]["token"]

    @property
    def ca_path(self) -> Path:
        """The apiserver's self-generated serving certificate chain (leaf + its CA)."""
        return self.workdir / "certs" / "apiserver.crt"

    def kubeconfig_for_token(self, token: str, path: Path, user: str = "tester") -> Path:
        path.write_text(yaml.safe_dump(_kubeconfig(self.server, token, user, self.ca_path)))
        return path

    def stop(self) -> None:
        for proc in reversed(self.processes):
            _stop(proc)


def _kubeconfig(server: str, token: str, user: str, ca: Path) -> dict:
    return {
        "apiVersion": "v1", "kind": "Config", "current-context": "test",
        "clusters": [{"name": "test", "cluster": {"server": server, "certificate-authority": str(ca)}}],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [{"name": "test", "context": {"cluster": "test", "user": user}}],
    }


def _spawn(cmd: list[str], log: Path) -> subprocess.Popen:
    handle = open(log, "wb")  # noqa: SIM115  (stays open for the process's life)
    return subprocess.Popen(cmd, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)


def start_etcd(bins: Path, work: Path) -> tuple[subprocess.Popen, str]:
    client, peer = free_port(), free_port()
    url = f"http://127.0.0.1:{client}"
    log = work / "etcd.log"
    proc = _spawn([
        str(bins / f"etcd-{_versions().ETCD}"), "--name=test", f"--data-dir={work / 'etcd'}",
        f"--listen-client-urls={url}", f"--advertise-client-urls={url}",
        f"--listen-peer-urls=http://127.0.0.1:{peer}", f"--initial-advertise-peer-urls=http://127.0.0.1:{peer}",
        f"--initial-cluster=test=http://127.0.0.1:{peer}",
        # Throwaway data: skip fsync (the tests don't survive power loss), and allow the
        # large upstream CRDs (K8ssandraCluster is ~1.2 MB as JSON).
        "--unsafe-no-fsync", "--max-request-bytes=8388608", "--quota-backend-bytes=4294967296",
        "--log-level=warn",
    ], log)
    _wait_http(f"{url}/health", proc, log, "etcd", 60)
    return proc, url


def _service_account_key(work: Path) -> Path:
    key = work / "sa.key"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    return key


def start_apiserver(bins: Path, work: Path, etcd_url: str, token: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    (work / "tokens.csv").write_text(f"{token},admin,admin-uid,system:masters\n")
    key = _service_account_key(work)
    log = work / "kube-apiserver.log"
    proc = _spawn([
        str(bins / "kube-apiserver"), f"--etcd-servers={etcd_url}", f"--etcd-prefix=/{uuid.uuid4().hex}",
        "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", f"--secure-port={port}",
        f"--cert-dir={work / 'certs'}", f"--token-auth-file={work / 'tokens.csv'}",
        "--authorization-mode=RBAC", "--service-cluster-ip-range=10.96.0.0/16",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        f"--service-account-key-file={key}", f"--service-account-signing-key-file={key}",
        "--api-audiences=https://kubernetes.default.svc.cluster.local",
        "--endpoint-reconciler-type=none", "--allow-privileged=true",
        "--max-mutating-requests-inflight=400", "--max-requests-inflight=800",
        "--v=1",
    ], log)
    server = f"https://127.0.0.1:{port}"
    _wait_http(f"{server}/readyz", proc, log, "kube-apiserver", 120, token)
    return proc, server


def start_controller_manager(bins: Path, work: Path, kubeconfig: Path) -> subprocess.Popen:
    log = work / "kube-controller-manager.log"
    return _spawn([
        str(bins / "kube-controller-manager"), f"--kubeconfig={kubeconfig}",
        f"--authentication-kubeconfig={kubeconfig}", f"--authorization-kubeconfig={kubeconfig}",
        f"--controllers={CONTROLLERS}", "--leader-elect=false", "--secure-port=0",
        "--concurrent-gc-syncs=5", "--v=1",
    ], log)


def upstream_crds() -> list[dict]:
    if not SHARED_CRDS.is_dir():
        raise RuntimeError(f"upstream CRDs not found at {SHARED_CRDS} (expected next to the checkout)")
    out = []
    for path in sorted(SHARED_CRDS.rglob("*.yaml")):
        # libyaml: the pure-Python loader needs minutes for these ~5 MB of schemas.
        out += [d for d in yaml.load_all(path.read_text(), Loader=yaml.CSafeLoader)
                if d and d.get("kind") == "CustomResourceDefinition"]
    return out


def install_crds(cluster: KubeCluster, crds: list[dict], timeout: float = 60) -> None:
    """Server-side apply every CRD (several exceed client-side apply's annotation limit)."""
    for obj in crds:
        cluster.call("PATCH", f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{obj['metadata']['name']}",
                     obj, [("fieldManager", FIELD_MANAGER), ("force", "true")], "application/apply-patch+yaml")
    deadline = time.monotonic() + timeout
    pending = {c["metadata"]["name"] for c in crds}
    while pending and time.monotonic() < deadline:
        for name in list(pending):
            live = cluster.call("GET", f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}")
            conds = {c["type"]: c["status"] for c in (live.get("status") or {}).get("conditions") or []}
            if conds.get("Established") == "True":
                pending.discard(name)
        time.sleep(0.2)
    if pending:
        raise RuntimeError(f"CRDs not Established after {timeout}s: {sorted(pending)}")


def start_cluster(work: Path) -> KubeCluster:
    bins = build_binaries()
    token = uuid.uuid4().hex
    etcd, etcd_url = start_etcd(bins, work)
    cluster = KubeCluster(work, "", token, work / "kubeconfig", [etcd])
    try:
        apiserver, cluster.server = start_apiserver(bins, work, etcd_url, token)
        cluster.processes.append(apiserver)
        cluster.kubeconfig.write_text(yaml.safe_dump(_kubeconfig(cluster.server, token, "admin",
                                                                 cluster.ca_path)))
        cluster.processes.append(start_controller_manager(bins, work, cluster.kubeconfig))
        from fraud_operator import crd

        install_crds(cluster, [*upstream_crds(), crd.crd()])
    except BaseException:
        cluster.stop()
        raise
    return cluster


@pytest.fixture(scope="session")
def kube(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KubeCluster]:
    work = tmp_path_factory.mktemp("kube")
    try:
        cluster = start_cluster(work)
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        pytest.fail(f"the kube-apiserver test harness could not start: {exc}", pytrace=False)
    yield cluster
    cluster.stop()


@pytest.fixture
def kube_namespace(kube: KubeCluster) -> Iterator[str]:
    name = f"t-{uuid.uuid4().hex[:10]}"
    kube.call("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    yield name
    with contextlib.suppress(Exception):
        _release_pipelines(kube, name)
        kube.call("DELETE", f"/api/v1/namespaces/{name}")


def _release_pipelines(kube: KubeCluster, namespace: str) -> None:
    """Drop the operator's finalizer from pipelines left behind (the operator may already be
    stopped), so the namespace does not hang in Terminating for the rest of the session."""
    from fraud_operator import crd

    path = f"/apis/{crd.API_VERSION}/namespaces/{namespace}/{crd.PLURAL}"
    for item in kube.call("GET", path).get("items") or []:
        if item["metadata"].get("finalizers"):
            kube.call("PATCH", f"{path}/{item['metadata']['name']}", {"metadata": {"finalizers": None}},
                      content_type="application/merge-patch+json")


@dataclass
class OperatorProcess:
    proc: subprocess.Popen
    log_path: Path
    health_url: str

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: no cleanup at all, as when a node dies under the operator."""
        if self.alive:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        _stop(self.proc, 15)

    def rss_bytes(self) -> int:
        import psutil

        return psutil.Process(self.proc.pid).memory_info().rss


def start_operator(kube: KubeCluster, log_path: Path, namespaces: list[str] | None = None,
                   resync: float = 2.0, retry: float = 1.0, extra: list[str] | None = None,
                   kubeconfig: Path | None = None, timeout: float = 60) -> OperatorProcess:
    """Run `fraudctl operator run` and wait until kopf serves its liveness probe."""
    port = free_port()
    health = f"http://127.0.0.1:{port}/healthz"
    scope = [a for ns in namespaces for a in ("--namespace", ns)] if namespaces else ["--all-namespaces"]
    cmd = [sys.executable, "-m", "fraud_jobs.cli.main", "operator", "run",
           f"--kubeconfig={kubeconfig or kube.kubeconfig}", *scope, f"--liveness={health}",
           f"--resync-seconds={resync}", f"--retry-seconds={retry}", *(extra or [])]
    proc = _spawn(cmd, log_path)
    _wait_http(health, proc, log_path, "the operator", timeout)
    return OperatorProcess(proc, log_path, health)


@pytest.fixture
def operator_runner(kube: KubeCluster, tmp_path: Path) -> Iterator[Any]:
    started: list[OperatorProcess] = []

    def start(namespace: str | None = None, **options: Any) -> OperatorProcess:
        log = tmp_path / f"operator-{len(started)}.log"
        op = start_operator(kube, log, [namespace] if namespace else None, **options)
        started.append(op)
        return op

    yield start
    for op in started:
        op.stop()


# -- playing the upstream operators -------------------------------------------------------
# The control plane runs no Strimzi, K8ssandra, Spark operator, ECK, or pod-running
# controllers. These helpers write the status each of them would write when its object is
# ready, through the status subresource, as the real controller does.

def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _ready_cond(kind: str = "Ready") -> dict:
    return {"type": kind, "status": "True", "reason": "Ready", "message": "", "lastTransitionTime": _now()}


def ready_status(obj: dict) -> dict | None:
    """The status the upstream controller of `obj` reports once it is ready (None: no status)."""
    kind, gen = obj["kind"], obj["metadata"].get("generation", 1)
    spec = obj.get("spec") or {}
    if kind in ("Kafka", "KafkaTopic"):
        return {"observedGeneration": gen, "conditions": [_ready_cond()]}
    if kind == "KafkaNodePool":
        return {"observedGeneration": gen, "replicas": spec["replicas"], "nodeIds": list(range(spec["replicas"])),
                "roles": spec["roles"]}
    if kind == "K8ssandraCluster":
        dcs = {dc["metadata"]["name"]: {"cassandra": {"cassandraOperatorProgress": "Ready",
                                                      "conditions": [_ready_cond()]}}
               for dc in spec["cassandra"]["datacenters"]}
        return {"observedGeneration": gen, "conditions": [{"type": "CassandraInitialized", "status": "True",
                                                           "lastTransitionTime": _now()}],
                "datacenters": dcs}
    if kind == "Job":
        now = _now()
        return {"startTime": now, "completionTime": now, "succeeded": 1, "active": 0, "ready": 0,
                "terminating": 0, "uncountedTerminatedPods": {},
                "conditions": [{**_ready_cond("SuccessCriteriaMet"), "reason": "CompletionsReached"},
                               {**_ready_cond("Complete"), "reason": "CompletionsReached"}]}
    if kind == "SparkApplication":
        state = "RUNNING" if (spec.get("restartPolicy") or {}).get("type") == "Always" else "COMPLETED"
        return {"applicationState": {"state": state}, "driverInfo": {}, "submissionAttempts": 1}
    if kind == "Deployment":
        n = spec.get("replicas", 1)
        conds = [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
                  "message": "", "lastTransitionTime": _now(), "lastUpdateTime": _now()}]
        return {"observedGeneration": gen, "replicas": n, "updatedReplicas": n, "readyReplicas": n,
                "availableReplicas": n, "conditions": conds}
    if kind in ("Elasticsearch", "Kibana", "Beat"):
        return {"observedGeneration": gen, "health": "green", "phase": "Ready", "availableNodes": 1}
    return None


def is_marked_ready(obj: dict) -> bool:
    want = ready_status(obj)
    if want is None:
        return True
    have = obj.get("status") or {}
    keys = ("observedGeneration", "applicationState", "succeeded", "replicas")
    return all(have.get(k) == want.get(k) for k in keys if k in want)


def mark_ready(cluster: KubeCluster, obj: dict) -> None:
    """Patch `obj`'s status to what its upstream controller reports when it is ready."""
    from fraud_operator.kube import KINDS

    status = ready_status(obj)
    if status is None:
        return
    path = KINDS[obj["kind"]].path(obj["metadata"]["namespace"], obj["metadata"]["name"])
    cluster.call("PATCH", f"{path}/status", {"status": status}, content_type="application/merge-patch+json")


def pipeline_children(cluster: KubeCluster, namespace: str | None, pipeline: str | None = None) -> list[dict]:
    """Every object the operator labelled as a FraudPipeline child (in one or all namespaces)."""
    from fraud_operator.kube import KINDS
    from fraud_operator.render.common import PIPELINE_LABEL

    selector = f"{PIPELINE_LABEL}={pipeline}" if pipeline else PIPELINE_LABEL
    out = []
    for kind in KINDS.values():
        path = kind.path(namespace) if namespace else f"{kind.base}/{kind.plural}"
        for item in cluster.call("GET", path, query=[("labelSelector", selector)]).get("items") or []:
            item.setdefault("kind", kind.kind)
            out.append(item)
    return out


class FakeUpstream:
    """A background thread that marks every pipeline child ready as soon as it appears:
    upstream operators that are infinitely fast. Use as a context manager."""

    def __init__(self, cluster: KubeCluster, namespace: str | None = None, period: float = 0.2) -> None:
        import threading

        self.cluster, self.namespace, self.period = cluster, namespace, period
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self.errors: list[str] = []

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                for obj in pipeline_children(self.cluster, self.namespace):
                    if not obj["metadata"].get("deletionTimestamp") and not is_marked_ready(obj):
                        mark_ready(self.cluster, obj)
            except Exception as err:  # a child deleted mid-patch: try again next round
                self.errors.append(str(err)[:300])
            self._stop.wait(self.period)

    def __enter__(self) -> FakeUpstream:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)
