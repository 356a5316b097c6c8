"""`fraudctl bench dashboard`: how fast a stored transaction reaches the screen, and how
fast the API answers.

In a scratch keyspace on a real Cassandra it starts the API and the dashboard as processes
(as `fraudctl demo` does), then
  1. times statement and customer requests against the API process;
  2. stores transactions with the stream sink's own statements, one at a time, and times
     each from the end of the write until headless Chromium shows it on the live page
     (the target is 2 s).
The keyspace is dropped afterwards.
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import statistics
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fraud_dashboard.cli_common import add_cassandra_args, cassandra_config
from fraud_dashboard.config import CassandraConfig

CARD = "4000123412341234"
SEED_ROWS = 500
TOKEN = uuid.uuid4().hex


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--samples", type=int, default=10, help="transactions timed to the screen")
    parser.add_argument("--requests", type=int, default=200, help="API requests timed per endpoint")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    add_cassandra_args(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from fraud_jobs.schema import schema_statements

    base = cassandra_config(args)
    cfg = CassandraConfig(base.hosts, base.port, f"bench_dash_{uuid.uuid4().hex[:8]}", base.username, base.password)
    session = _connect(cfg)
    try:
        for statement in schema_statements(cfg.keyspace):
            session.execute(statement, timeout=60)
        _seed(session, cfg.keyspace)
        figures = _measure(session, cfg, args.samples, args.requests)
    finally:
        session.execute(f"DROP KEYSPACE IF EXISTS {cfg.keyspace}", timeout=60)
        session.cluster.shutdown()
    _report(figures, args.json)
    return 0


def _connect(cfg: CassandraConfig) -> Any:
    from fraud_dashboard.store import CassandraGateway

    return CassandraGateway(cfg, connect_timeout=10.0, request_timeout=30.0).session()


def stored_row(cc_num: str, trans_time: datetime, is_fraud: int, trans_num: str) -> dict[str, Any]:
    """A scored row shaped like the stream job's (fraud_jobs.stream)."""
    now = datetime.now(UTC)
    return {
        "cc_num": cc_num,
        "trans_time": trans_time,
        "trans_num": trans_num,
        "category": "shopping_net",
        "merchant": "bench merchant",
        "amt": round(random.uniform(1, 500), 2),
        "merch_lat": random.uniform(30, 45),
        "merch_long": random.uniform(-120, -75),
        "distance": 10.0,
        "age": 40,
        "is_fraud": is_fraud,
        "fraud_probability": 0.95 if is_fraud else 0.03,
        "model_version": "bench",
        "source": "bench",
        "kafka_partition": 0,
        "kafka_offset": 0,
        "ingested_at": now.replace(microsecond=now.microsecond // 1000 * 1000),
    }


@functools.lru_cache(maxsize=16)
def _prepared(session: Any, cql: str) -> Any:
    return session.prepare(cql)


def store_like_stream(session: Any, keyspace: str, row: dict[str, Any]) -> None:
    """The stream sink's two writes: the verdict's transaction table, then the feed."""
    from fraud_jobs.streaming.sink import FEED_COLUMNS, TRANSACTION_COLUMNS, feed_row, insert_cql, table_for

    table = table_for(row["is_fraud"])
    session.execute(
        _prepared(session, insert_cql(keyspace, table, TRANSACTION_COLUMNS)), tuple(row[c] for c in TRANSACTION_COLUMNS)
    )
    session.execute(_prepared(session, insert_cql(keyspace, "transaction_feed", FEED_COLUMNS)), feed_row(row))


def _seed(session: Any, keyspace: str) -> None:
    from fraud_jobs.streaming.sink import insert_cql

    session.execute(
        session.prepare(insert_cql(keyspace, "customers", ("cc_num", "first", "last"))), (CARD, "Bench", "Customer")
    )
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(SEED_ROWS):
        row = stored_row(CARD, start + timedelta(minutes=i), int(i % 20 == 0), f"seed-{i:05d}")
        store_like_stream(session, keyspace, row)


def _measure(session: Any, cfg: CassandraConfig, samples: int, requests: int) -> dict[str, Any]:
    from fraud_dashboard.headless import Browser, find_chromium
    from fraud_dashboard.launch import start_api, start_dashboard

    chromium = find_chromium()
    with tempfile.TemporaryDirectory(prefix="fraud-bench-") as tmp:
        logs = Path(tmp)
        with (
            start_api(port=_free_port(), cassandra=cfg, token=TOKEN, log_path=logs / "api.log") as api,
            start_dashboard(port=_free_port(), cassandra=cfg, log_path=logs / "dashboard.log") as dashboard,
        ):
            figures = {
                "statement_page_50": _time_requests(f"{api.url}/api/statement/{CARD}?limit=50", requests),
                "customer": _time_requests(f"{api.url}/api/customer/{CARD}", requests),
            }
            with Browser(chromium, logs / "chromium") as browser:
                figures["stored_to_screen"] = _time_to_screen(session, cfg.keyspace, browser, dashboard.url, samples)
    return figures


def _time_requests(url: str, count: int) -> dict[str, float]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {TOKEN}"})
    took = []
    started = time.perf_counter()
    for _ in range(count):
        begin = time.perf_counter()
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
        took.append(time.perf_counter() - begin)
    return {**_summary(took), "requests_per_second": count / (time.perf_counter() - started)}


def _time_to_screen(session: Any, keyspace: str, browser: Any, url: str, samples: int) -> dict[str, float]:
    browser.open(url)
    browser.wait_for_text("Last 15 minutes", timeout=120)
    time.sleep(6)  # past the first charts redraw (loads their scripts): measure the steady state
    took = []
    for i in range(samples):
        time.sleep(random.uniform(0.2, 1.2))  # land at different points of the 1 s refresh
        row = stored_row(CARD, datetime.now(UTC), i % 2, f"bench-{uuid.uuid4().hex[:12]}")
        store_like_stream(session, keyspace, row)
        took.append(browser.wait_for_text(row["trans_num"], timeout=30))
    return {**_summary(took), "target": 2.0, "within_target": sum(t <= 2.0 for t in took) / len(took)}


def _summary(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {
        "samples": len(ordered),
        "median_s": statistics.median(ordered),
        "p95_s": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
        "max_s": ordered[-1],
    }


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _report(figures: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(figures, indent=2))
        return
    for name, values in figures.items():
        shown = ", ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items())
        print(f"{name:<18} {shown}")
