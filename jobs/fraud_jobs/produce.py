"""Send transactions to Kafka as JSON at a steady rate (the platform's traffic source).

Each message is keyed by ``cc_num`` so one card's transactions stay in one partition and
are read in order. Transactions come from a file (picked at random) or are generated on
the fly for known customers; either way each one is stamped with the current time and a
fresh ``trans_num``, because the stream stores by ``trans_num`` and a re-sent id would
(correctly) overwrite instead of adding a row.
"""

from __future__ import annotations

import json
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from fraud_jobs.schema import CATEGORIES, TOPIC

Message = tuple[str, bytes]  # (key, value)


class KafkaUnreachable(RuntimeError):
    pass


class TokenBucket:
    """Hands out ``rate`` tokens per second with at most ``burst`` saved up.

    Sleeping a fixed 1/rate per message drifts (every sleep overshoots); a bucket refilled
    from the monotonic clock keeps the long-run rate exact and lets a slow send catch up.
    """

    def __init__(self, rate: float, burst: float | None = None) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate}")
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate / 20)  # 50 ms of traffic
        self._tokens = 0.0
        self._last = time.monotonic()

    def take(self, n: int = 1) -> None:
        while True:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens >= n:
                self._tokens -= n
                return
            time.sleep(max((n - self._tokens) / self.rate, 0.0005))


@dataclass
class DeliveryStats:
    sent: int = 0
    acked: int = 0
    failed: int = 0
    elapsed_s: float = 0.0
    per_partition: Counter = field(default_factory=Counter)
    ack_ms: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record_ack(self, partition: int, latency_ms: float) -> None:
        with self._lock:
            self.acked += 1
            self.per_partition[partition] += 1
            self.ack_ms.append(latency_ms)

    def record_error(self, exc: BaseException) -> None:
        with self._lock:
            self.failed += 1
            self.errors[type(exc).__name__] += 1

    def summary(self) -> dict:
        lat = sorted(self.ack_ms)

        def pct(p: float) -> float | None:
            return round(lat[min(len(lat) - 1, int(p * len(lat)))], 2) if lat else None

        return {
            "sent": self.sent,
            "acked": self.acked,
            "failed": self.failed,
            "elapsed_s": round(self.elapsed_s, 3),
            "rate_tps": round(self.acked / self.elapsed_s, 1) if self.elapsed_s else 0.0,
            "per_partition": dict(sorted(self.per_partition.items())),
            "ack_p50_ms": pct(0.50),
            "ack_p99_ms": pct(0.99),
            "errors": dict(self.errors),
        }


# -- where transactions come from ---------------------------------------------------------


def stamp(tx: dict, now: float | None = None) -> dict:
    """A copy of ``tx`` happening now, with a new id (see the module docstring)."""
    now = time.time() if now is None else now
    moment = datetime.fromtimestamp(now, UTC)
    out = dict(tx)
    out["trans_num"] = uuid.uuid4().hex
    out["unix_time"] = int(now)
    out["trans_date"] = moment.strftime("%Y-%m-%d")
    out["trans_time"] = moment.strftime("%H:%M:%S")
    return out


def load_transactions(path: str | Path) -> list[dict]:
    """Transactions from a CSV, Parquet or JSON-lines file (what `fraudctl generate` writes)."""
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(
            f"transactions file {path} does not exist; create one with `fraudctl generate`"
        )
    readers = {
        ".csv": pd.read_csv,
        ".parquet": pd.read_parquet,
        ".jsonl": lambda p: pd.read_json(p, lines=True),
    }
    reader = readers.get(path.suffix.lower()) if path.is_file() else pd.read_parquet
    if reader is None:
        raise ValueError(f"cannot read {path}: use a .csv, .parquet or .jsonl file (or a Parquet folder)")
    frame = reader(path)
    if "cc_num" in frame:
        frame["cc_num"] = frame["cc_num"].astype(str)
    rows = frame.to_dict("records")
    if not rows:
        raise ValueError(f"transactions file {path} is empty")
    return rows


def from_file(rows: list[dict], seed: int | None = None) -> Iterator[dict]:
    rng = random.Random(seed)
    while True:
        yield stamp(rng.choice(rows))


def generated(customers: list[dict], seed: int | None = None, fraud_rate: float = 0.01) -> Iterator[dict]:
    """Plausible transactions for ``customers`` (dicts with cc_num, first, last, lat, long).

    Fraud looks like the training data's: larger amounts in online/travel categories, far
    from home. The label rides along (as in historical files) so tests can compare.
    """
    if not customers:
        raise ValueError("no customers to generate transactions for; import customers first")
    rng = random.Random(seed)
    online = ("shopping_net", "misc_net", "travel", "grocery_net")
    while True:
        c = rng.choice(customers)
        fraud = rng.random() < fraud_rate
        category = rng.choice(online) if fraud else rng.choice(CATEGORIES)
        amt = round(rng.uniform(300, 1500) if fraud else rng.lognormvariate(3.5, 0.9), 2)
        spread = 3.0 if fraud else 0.5
        yield stamp(
            {
                "cc_num": str(c["cc_num"]),
                "first": c.get("first") or "x",
                "last": c.get("last") or "x",
                "category": category,
                "amt": max(amt, 1.0),
                "merchant": f"fraud_{category}_{rng.randint(1, 400)}",
                "merch_lat": max(-90.0, min(90.0, float(c["lat"]) + rng.uniform(-spread, spread))),
                "merch_long": max(-180.0, min(180.0, float(c["long"]) + rng.uniform(-spread, spread))),
                "is_fraud": int(fraud),
            }
        )


def encode(tx: dict) -> Message:
    return str(tx["cc_num"]), json.dumps(tx, separators=(",", ":"), default=str).encode()


# -- sending ------------------------------------------------------------------------------


def make_producer(bootstrap: str, **overrides):
    from kafka import KafkaProducer
    from kafka.errors import KafkaTimeoutError

    config = {
        "bootstrap_servers": bootstrap.split(","),
        "key_serializer": str.encode,
        "acks": "all",
        "linger_ms": 5,  # batch a few ms of traffic per request: 10x fewer requests at 5k/s
        "retries": 2_147_483_647,  # a broker restart must not drop messages...
        "delivery_timeout_ms": 300_000,  # ...for up to five minutes
        "request_timeout_ms": 30_000,
        "bootstrap_timeout_ms": 10_000,  # how long to wait for the first broker before giving up
        "enable_idempotence": True,  # a retried send is written once, in order (per-card order kept)
    }
    config.update(overrides)
    try:
        return KafkaProducer(**config)
    except KafkaTimeoutError:
        raise KafkaUnreachable(
            f"cannot reach Kafka at {bootstrap!r}: start the local stack with `fraudctl local up` "
            "or pass the right address with --bootstrap"
        ) from None


def send(
    producer,
    messages: Iterable[Message],
    topic: str = TOPIC,
    rate: float | None = None,
    count: int | None = None,
    stop: threading.Event | None = None,
    on_sent: Callable[[str, bytes, float], None] | None = None,
    progress: bool = False,
) -> DeliveryStats:
    """Send ``messages`` at ``rate`` per second (None: as fast as possible), flush, report."""
    stats = DeliveryStats()
    bucket = TokenBucket(rate) if rate else None
    bar = _progress_bar(count, progress)
    started = time.monotonic()
    for key, value in messages:
        if (count is not None and stats.sent >= count) or (stop is not None and stop.is_set()):
            break
        if bucket:
            bucket.take()
        sent_at = time.time()
        future = producer.send(topic, key=key, value=value)
        future.add_callback(_on_ack, stats, sent_at)
        future.add_errback(stats.record_error)
        stats.sent += 1
        if on_sent:
            on_sent(key, value, sent_at)
        if bar is not None:
            bar.update(1)
    producer.flush()
    stats.elapsed_s = time.monotonic() - started
    if bar is not None:
        bar.close()
    return stats


def _on_ack(stats: DeliveryStats, sent_at: float, metadata) -> None:
    stats.record_ack(metadata.partition, (time.time() - sent_at) * 1000)


def _progress_bar(count: int | None, enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=count, unit="tx", desc="produce", mininterval=1.0)
