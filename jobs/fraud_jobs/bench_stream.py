"""`fraudctl bench stream`: stream throughput and produce -> stored latency vs the sink ceiling.

On the local stack, in a throw-away keyspace and topic:

1. customers are generated and stored, and a small model is trained with the training code
   (or ``--models-dir`` is used as is);
2. `fraudctl stream` runs as its own process, as in production;
3. for each offered rate (default 1,000 and 5,000 tx/s) transactions are produced for
   ``--duration`` seconds with their send times kept; when all are stored, latency is each
   row's ``ingested_at`` (stamped once a batch is scored, just before its writes) minus its
   send time, and throughput is rows stored / (last stored - first sent);
4. the maximum sustainable rate: a backlog is produced at full speed and the drain rate is
   measured; then that rate is offered like the others;
5. the ceiling: the same stored rows (transaction row + feed row each) written again with
   cassandra-driver alone -- no Kafka, no Spark -- so pipeline / ceiling is the cost of
   everything but the sink.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from fraud_jobs.schema import TRANSACTION_TABLES


def register(parser: argparse.ArgumentParser) -> None:
    env = os.environ.get
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--rates", default="1000,5000", help="offered rates in tx/s (default: %(default)s)")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds each rate is offered")
    parser.add_argument("--backlog", type=int, default=20_000, help="messages drained to find the max rate")
    parser.add_argument("--customers", type=int, default=1_000)
    parser.add_argument("--models-dir", default=None, help="use this model instead of training a small one")
    parser.add_argument("--bootstrap", default=env("FRAUD_KAFKA_BOOTSTRAP", "127.0.0.1:9092"))
    parser.add_argument("--cassandra-host", default=env("FRAUD_CASSANDRA_HOST", "127.0.0.1"))
    parser.add_argument("--cassandra-port", type=int, default=int(env("FRAUD_CASSANDRA_PORT", "9042")))
    parser.add_argument("--trigger-ms", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=900.0, help="give up waiting for a phase after this")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from fraud_jobs.cassandra_io import connect

    rates = [float(r) for r in args.rates.split(",") if r.strip()]
    session = connect([args.cassandra_host], args.cassandra_port, timeout=60)
    bench = _Bench(args, session)
    try:
        result = bench.run(rates)
    finally:
        bench.cleanup()
        session.cluster.shutdown()
    _print(result, args.json)
    return 0


class _Bench:
    def __init__(self, args: argparse.Namespace, session) -> None:
        self.args, self.session = args, session
        tag = uuid.uuid4().hex[:8]
        self.keyspace, self.topic = f"bench_stream_{tag}", f"bench-stream-{tag}"
        self.workdir = Path(tempfile.mkdtemp(prefix="bench-stream-"))
        self.stream: subprocess.Popen | None = None
        self.history: list[dict] = []
        self.sent_at: dict[str, float] = {}

    def log(self, message: str) -> None:
        print(f"[bench stream] {message}", file=sys.stderr, flush=True)

    # -- phases ---------------------------------------------------------------------------

    def run(self, rates: list[float]) -> dict:
        self.setup()
        self.start_stream()
        self.offer(200, None, "warm-up")
        runs = [self.offer_rate(rate) for rate in rates]
        max_tps = self.max_rate()
        runs.append({**self.offer_rate(max_tps), "max": True})
        ceiling_tps, ceiling_writes = self.ceiling()
        return {
            "max_tps": round(max_tps, 1),
            "ceiling_tps": round(ceiling_tps, 1),
            "ceiling_writes_per_s": round(ceiling_writes, 1),
            "pipeline_to_ceiling": round(max_tps / ceiling_tps, 3) if ceiling_tps else None,
            "rates": runs,
            "cores": os.cpu_count(),
            "trigger_ms": self.args.trigger_ms,
            "stream_log": str(self.workdir / "stream.log"),
        }

    def setup(self) -> None:
        from fraud_jobs.localstack.init import ensure_topic
        from fraud_jobs.schema import schema_statements

        for statement in schema_statements(self.keyspace):
            self.session.execute(statement, timeout=60)
        ensure_topic(self.args.bootstrap, self.topic, 3)
        customers, self.history = _data(self.args.customers)
        _store_customers(self.session, self.keyspace, customers)
        self.models_dir = self.args.models_dir or self.train(customers)

    def train(self, customers: list[dict]) -> str:
        from fraud_jobs.features import build_features
        from fraud_jobs.schema import CUSTOMER_FIELDS, TRANSACTION_FIELDS
        from fraud_jobs.spark_session import get_spark
        from fraud_jobs.streaming.sparktypes import local_frame
        from fraud_jobs.train import TrainConfig, train_features

        self.log("training a small model with the training code")
        spark = get_spark("bench-stream-train", kafka=False)
        cust = local_frame(spark, [tuple(c[n] for n, _ in CUSTOMER_FIELDS) for c in customers], CUSTOMER_FIELDS)
        tx = local_frame(spark, [tuple(t[n] for n, _ in TRANSACTION_FIELDS) for t in self.history], TRANSACTION_FIELDS)
        root = self.workdir / "models"
        config = TrainConfig(num_trees=20, max_depth=6, kmeans_k=8, kmeans_fit_rows=5_000)
        train_features(spark, build_features(tx, cust), root, config, progress=False)
        spark.stop()  # the stream runs in its own JVM; do not hold two on a laptop
        return str(root)

    def start_stream(self) -> None:
        a = self.args
        cmd = [
            str(Path(sys.executable).parent / "fraudctl"),
            "stream",
            "--models-dir",
            self.models_dir,
            "--bootstrap",
            a.bootstrap,
            "--topic",
            self.topic,
            "--cassandra-host",
            a.cassandra_host,
            "--cassandra-port",
            str(a.cassandra_port),
            "--keyspace",
            self.keyspace,
            "--checkpoint-dir",
            str(self.workdir / "checkpoint"),
            "--trigger-ms",
            str(a.trigger_ms),
        ]
        log = (self.workdir / "stream.log").open("ab")
        self.stream = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.log(f"stream job started (log: {self.workdir / 'stream.log'})")

    def offer(self, count: int, rate: float | None, label: str) -> list[str]:
        from fraud_jobs import produce

        self.log(f"{label}: producing {count} at {rate or 'full speed'} tx/s")
        sent: list[str] = []

        def on_sent(key: str, value: bytes, at: float) -> None:
            trans_num = json.loads(value)["trans_num"]
            self.sent_at[trans_num] = at
            sent.append(trans_num)

        producer = produce.make_producer(self.args.bootstrap)
        try:
            messages = (produce.encode(tx) for tx in produce.from_file(self.history, seed=len(self.sent_at)))
            produce.send(producer, messages, self.topic, rate=rate, count=count, on_sent=on_sent)
        finally:
            producer.close()
        self.wait_stored(len(self.sent_at), label)
        return sent

    def wait_stored(self, total: int, label: str) -> None:
        deadline = time.monotonic() + self.args.timeout
        while (stored := self.stored_count()) < total:
            if self.stream is not None and self.stream.poll() is not None:
                raise RuntimeError(
                    f"the stream job exited with {self.stream.returncode}; see {self.workdir / 'stream.log'}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(f"{label}: only {stored} of {total} stored after {self.args.timeout:.0f} s")
            time.sleep(0.5)

    def stored_count(self) -> int:
        return sum(
            self.session.execute(f"SELECT count(*) FROM {self.keyspace}.{t}", timeout=60).one()[0]
            for t in TRANSACTION_TABLES
        )

    def ingested(self, trans_nums: list[str]) -> dict[str, float]:
        wanted = set(trans_nums)
        out = {}
        for table in TRANSACTION_TABLES:
            for row in self.session.execute(f"SELECT trans_num, ingested_at FROM {self.keyspace}.{table}", timeout=120):
                if row.trans_num in wanted:
                    out[row.trans_num] = _epoch(row.ingested_at)
        return out

    def offer_rate(self, rate: float) -> dict:
        count = max(int(rate * self.args.duration), 1)
        sent = self.offer(count, rate, f"rate {rate:.0f}")
        stored = self.ingested(sent)
        latencies = sorted((stored[t] - self.sent_at[t]) * 1000 for t in sent)
        first_sent = min(self.sent_at[t] for t in sent)
        span = max(stored.values()) - first_sent
        return {
            "rate": round(rate, 1),
            "messages": count,
            "throughput_tps": round(count / span, 1) if span > 0 else None,
            "p50_ms": _pct(latencies, 0.50),
            "p95_ms": _pct(latencies, 0.95),
            "p99_ms": _pct(latencies, 0.99),
            "max_ms": round(latencies[-1], 1),
        }

    def max_rate(self) -> float:
        """Drain rate of a backlog: produced at full speed, measured first send -> last stored."""
        sent = self.offer(self.args.backlog, None, "max sustainable (backlog drain)")
        stored = self.ingested(sent)
        span = max(stored.values()) - min(self.sent_at[t] for t in sent)
        return len(sent) / span

    def ceiling(self) -> tuple[float, float]:
        """The same rows and feed rows written by cassandra-driver alone, into a copy of the tables."""
        from fraud_jobs.cassandra_io import write_rows
        from fraud_jobs.streaming.sink import FEED_COLUMNS, TRANSACTION_COLUMNS, feed_row, insert_cql, table_for

        rows = []
        for table in TRANSACTION_TABLES:
            result = self.session.execute(
                f"SELECT {', '.join(TRANSACTION_COLUMNS)} FROM {self.keyspace}.{table}", timeout=120
            )
            rows += [dict(zip(TRANSACTION_COLUMNS, r, strict=True)) for r in result]
        target = f"{self.keyspace}_ceiling"
        from fraud_jobs.schema import schema_statements

        for statement in schema_statements(target):
            self.session.execute(statement, timeout=60)
        self.log(f"ceiling: writing {len(rows)} rows + feed rows with cassandra-driver alone")
        by_table: dict[str, list[tuple]] = {t: [] for t in TRANSACTION_TABLES}
        for r in rows:
            by_table[table_for(r["is_fraud"])].append(tuple(r[c] for c in TRANSACTION_COLUMNS))
        feed = [feed_row(r) for r in rows]
        started = time.perf_counter()
        for table, values in by_table.items():
            write_rows(self.session, insert_cql(target, table, TRANSACTION_COLUMNS), values)
        write_rows(self.session, insert_cql(target, "transaction_feed", FEED_COLUMNS), feed)
        seconds = time.perf_counter() - started
        self.session.execute(f"DROP KEYSPACE IF EXISTS {target}", timeout=120)
        return len(rows) / seconds, 2 * len(rows) / seconds

    def cleanup(self) -> None:
        if self.stream is not None and self.stream.poll() is None:
            self.stream.send_signal(signal.SIGTERM)
            try:
                self.stream.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.stream.pid, signal.SIGKILL)
        try:
            self.session.execute(f"DROP KEYSPACE IF EXISTS {self.keyspace}", timeout=120)
            from kafka import KafkaAdminClient

            admin = KafkaAdminClient(bootstrap_servers=self.args.bootstrap)
            admin.delete_topics([self.topic])
            admin.close()
        except Exception as exc:  # cleanup must not hide the figures
            self.log(f"cleanup: {exc}")


def _data(n_customers: int) -> tuple[list[dict], list[dict]]:
    from datetime import date

    import numpy as np

    from fraud_jobs import generate

    config = generate.GeneratorConfig(customers=n_customers, days=30, start=date(2025, 6, 1), seed=7, fraud_rate=0.02)
    rng = np.random.default_rng(config.seed)
    cust = generate.make_customers(config, rng)
    tx = generate.make_transactions(config, cust, rng)
    history = [row for chunk in generate.transaction_chunks(tx, cust) for row in chunk.to_pylist()]
    return generate.customers_table(cust).to_pylist(), history


def _store_customers(session, keyspace: str, customers: list[dict]) -> None:
    from fraud_jobs.cassandra_io import insert_cql, write_rows
    from fraud_jobs.schema import CUSTOMER_FIELDS

    columns = [name for name, _ in CUSTOMER_FIELDS]
    write_rows(session, insert_cql(keyspace, "customers", columns), [tuple(c[k] for k in columns) for c in customers])


def _epoch(ts) -> float:
    from datetime import UTC

    return (ts if ts.tzinfo else ts.replace(tzinfo=UTC)).timestamp()


def _pct(values: list[float], p: float) -> float | None:
    return round(values[min(len(values) - 1, int(p * len(values)))], 1) if values else None


def _print(result: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result))
        return
    print(
        f"max sustainable: {result['max_tps']} tx/s; sink ceiling (cassandra-driver alone): "
        f"{result['ceiling_tps']} tx/s ({result['ceiling_writes_per_s']} writes/s); "
        f"pipeline/ceiling {result['pipeline_to_ceiling']}"
    )
    print(f"{'offered tx/s':>12} {'stored tx/s':>12} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9}")
    for r in result["rates"]:
        label = f"{r['rate']:.0f}{' (max)' if r.get('max') else ''}"
        print(f"{label:>12} {r['throughput_tps']!s:>12} {r['p50_ms']!s:>9} {r['p95_ms']!s:>9} {r['p99_ms']!s:>9}")
