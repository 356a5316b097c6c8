"""`fraudctl bench operator`: how fast the operator turns FraudPipelines into children and Ready.

For each N (default 1 and 50) it creates N FraudPipelines, each in its own namespace, on a
real kube-apiserver (the test harness's, started here, or --kubeconfig), with the real
operator process running and upstream operators played by a loop that marks every child
ready as soon as it appears. It reports, per N: time from create to all first-step (Kafka)
children existing, time from create to Ready (p50, p95, max), and the operator's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--counts", default="1,50", help="comma-separated pipeline counts (default 1,50)")
    parser.add_argument("--retry-seconds", type=float, default=1.0,
                        help="the operator's re-check delay for a step that is not ready (default 1)")
    parser.add_argument("--timeout", type=float, default=900, help="give up after this many seconds per round")
    parser.set_defaults(func=run)


def _harness() -> Any:
    tests = REPO / "tests"
    if not (tests / "harness" / "kube.py").is_file():
        raise SystemExit(f"error: the kube test harness is not at {tests}/harness; run from a source checkout")
    sys.path.insert(0, str(tests))
    from harness import kube

    return kube


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, round(pct / 100 * len(ordered) + 0.4999))
    return ordered[min(rank, len(ordered)) - 1]


def _summary(values: list[float]) -> dict[str, float]:
    return {"p50": round(percentile(values, 50), 3), "p95": round(percentile(values, 95), 3),
            "max": round(max(values), 3)}


class Round:
    """One measurement: N pipelines in N fresh namespaces."""

    def __init__(self, cluster: Any, operator: Any, count: int, timeout: float) -> None:
        self.cluster, self.operator, self.count, self.timeout = cluster, operator, count, timeout
        self.tag = uuid.uuid4().hex[:6]
        self.names = [f"bench-{self.tag}-{i}" for i in range(count)]
        self.created: dict[str, float] = {}
        self.first: dict[str, float] = {}
        self.ready: dict[str, float] = {}
        self.peak_rss = 0

    def _create(self) -> None:
        from fraud_operator import crd

        spec = {"kafka": {"replicas": 1, "storage": {"type": "ephemeral"}, "topic": {"replicas": 1}},
                "cassandra": {"size": 1, "replicationFactor": 1}}
        for ns in self.names:
            self.cluster.call("POST", "/api/v1/namespaces",
                              {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        for ns in self.names:
            body = {"apiVersion": crd.API_VERSION, "kind": crd.KIND, "metadata": {"name": "fp"}, "spec": spec}
            self.cluster.call("POST", f"/apis/{crd.API_VERSION}/namespaces/{ns}/{crd.PLURAL}", body)
            self.created[ns] = time.monotonic()

    def _observe(self) -> None:
        from fraud_operator import crd

        now = time.monotonic()
        mine = set(self.names)
        kafka_kinds: dict[str, set[str]] = {}
        for kind, plural in [("Kafka", "kafkas"), ("KafkaNodePool", "kafkanodepools"), ("KafkaTopic", "kafkatopics")]:
            for obj in self.cluster.call("GET", f"/apis/kafka.strimzi.io/v1/{plural}")["items"]:
                kafka_kinds.setdefault(obj["metadata"]["namespace"], set()).add(kind)
        for ns, found in kafka_kinds.items():
            if ns in mine and len(found) == 3:
                self.first.setdefault(ns, now)
        for fp in self.cluster.call("GET", f"/apis/{crd.API_VERSION}/{crd.PLURAL}")["items"]:
            ns = fp["metadata"]["namespace"]
            conds = (fp.get("status") or {}).get("conditions") or []
            if ns in mine and any(c["type"] == "Ready" and c["status"] == "True" for c in conds):
                self.ready.setdefault(ns, now)
        self.peak_rss = max(self.peak_rss, self.operator.rss_bytes())

    def run(self, fake_upstream: Any) -> dict[str, Any]:
        from tqdm import tqdm

        with fake_upstream(self.cluster, None, 0.1), tqdm(total=self.count, desc=f"N={self.count} Ready",
                                                           file=sys.stderr, leave=False) as bar:
            self._create()
            deadline = time.monotonic() + self.timeout
            while len(self.ready) < self.count:
                if time.monotonic() > deadline:
                    raise SystemExit(f"error: only {len(self.ready)} of {self.count} pipelines became Ready "
                                     f"within {self.timeout:.0f}s; see the operator log {self.operator.log_path}")
                self._observe()
                bar.update(len(self.ready) - bar.n)
                time.sleep(0.05)
        first = [self.first[ns] - self.created[ns] for ns in self.names]
        ready = [self.ready[ns] - self.created[ns] for ns in self.names]
        return {"pipelines": self.count, "first_children_s": _summary(first), "ready_s": _summary(ready),
                "operator_peak_rss_mib": round(self.peak_rss / 2**20, 1)}

    def cleanup(self) -> None:
        for ns in self.names:
            self.cluster.call("DELETE", f"/api/v1/namespaces/{ns}")


def _print(results: list[dict[str, Any]], retry: float) -> None:
    print(f"operator bench (real kube-apiserver, instant fake upstream readiness, retry {retry:g}s)")
    print(f"{'N':>4}  {'children p50':>12} {'p95':>7}  {'Ready p50':>9} {'p95':>7} {'max':>7}  {'peak RSS':>9}")
    for r in results:
        f, d = r["first_children_s"], r["ready_s"]
        print(f"{r['pipelines']:>4}  {f['p50']:>11.2f}s {f['p95']:>6.2f}s  {d['p50']:>8.2f}s {d['p95']:>6.2f}s "
              f"{d['max']:>6.2f}s  {r['operator_peak_rss_mib']:>6.1f}MiB")


def run(args: argparse.Namespace) -> int:
    try:
        counts = [int(c) for c in args.counts.split(",") if c.strip()]
    except ValueError:
        print(f"error: --counts {args.counts!r} must be comma-separated integers, e.g. 1,50", file=sys.stderr)
        return 2
    kube = _harness()
    results = []
    with tempfile.TemporaryDirectory(prefix="fraud-bench-") as tmp:
        work = Path(tmp)
        print("starting etcd, kube-apiserver and kube-controller-manager ...", file=sys.stderr)
        cluster = kube.start_cluster(work)
        operator = None
        try:
            operator = kube.start_operator(cluster, work / "operator.log", None, resync=30.0,
                                           retry=args.retry_seconds)
            for count in counts:
                measured = Round(cluster, operator, count, args.timeout)
                results.append(measured.run(kube.FakeUpstream))
                measured.cleanup()
        finally:
            if operator is not None:
                operator.stop()
            cluster.stop()
    if args.json:
        print(json.dumps({"retry_seconds": args.retry_seconds, "results": results}, indent=2))
    else:
        _print(results, args.retry_seconds)
    return 0
