"""The streaming scoring job: Kafka -> parse/validate -> features -> model -> Cassandra.

One Structured Streaming query reads the topic; each micro-batch goes through
:class:`BatchScorer` in ``foreachBatch``:

1. the model for the batch is chosen (hot reload between batches, streaming.models);
2. the raw values are collected on the driver and parsed; bad ones become dead letters;
3. each card's customer (in-memory cache) and recent history (driver cache) are looked up;
   an unknown card is a dead letter;
4. the same feature code as training (fraud_jobs.features) and the model score the batch;
5. rows, feed rows and dead letters are written, then the batch's offsets (streaming.sink).

Where to resume is Cassandra's kafka_offset table, not Spark's checkpoint: on start the
job builds ``startingOffsets`` from it, so deleting the checkpoint loses nothing, and it
skips any message below the committed offset, so a checkpoint that lags one batch behind
(Spark commits its own log after foreachBatch returns) replays nothing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fraud_jobs.schema import KEYSPACE, TOPIC, TRANSACTION_FIELDS
from fraud_jobs.streaming.records import Invalid, Transaction, parse
from fraud_jobs.streaming.sink import SOURCE, Sink, starting_offsets

log = logging.getLogger("fraud_jobs.stream")

Raw = tuple[int, int, bytes | None]  # (partition, offset, value)


@dataclass
class StreamConfig:
    models_dir: str
    bootstrap: str = "127.0.0.1:9092"
    topic: str = TOPIC
    cassandra_host: str = "127.0.0.1"
    cassandra_port: int = 9042
    keyspace: str = KEYSPACE
    consumer: str = "fraud-stream"
    checkpoint_dir: str | None = None
    model_version: str | None = None  # pin a version; None follows LATEST
    trigger_ms: int = 0  # 0: start the next micro-batch as soon as the previous one ends
    max_offsets_per_trigger: int = 20_000
    customer_refresh_s: float = 300.0
    master: str | None = None
    write_concurrency: int = 64


@dataclass
class BatchStats:
    batches: int = 0
    messages: int = 0
    scored: int = 0
    dead_lettered: int = 0
    replayed_skipped: int = 0
    recovered: int = 0
    reasons: Counter = field(default_factory=Counter)
    by_version: Counter = field(default_factory=Counter)


@dataclass
class _Item:
    partition: int
    offset: int
    tx: Transaction
    raw: bytes | None  # the message as received, for a dead letter after parsing


class BatchScorer:
    """The foreachBatch function; also callable with raw messages directly (tests)."""

    def __init__(self, spark, cfg: StreamConfig, session, sink: Sink, customers, history, models) -> None:
        self.spark, self.cfg, self.session, self.sink = spark, cfg, session, sink
        self.customers, self.history, self.models = customers, history, models
        self.committed: dict[int, int] = {}
        self.recovery_until: dict[int, int] = {}
        self.stats = BatchStats()

    def resume(self, committed: dict[int, int], end_offsets: dict[int, int]) -> None:
        """Before (re)starting the query: messages below ``end_offsets`` may have been stored
        by an attempt that died before committing, so they are checked before scoring."""
        self.committed = dict(committed)
        self.recovery_until = {p: end for p, end in end_offsets.items() if end > committed.get(p, 0)}

    def __call__(self, batch_df, batch_id: int) -> None:
        raw = [(r.partition, r.offset, r.value) for r in batch_df.select("partition", "offset", "value").collect()]
        self.process(raw, batch_id)

    def process(self, raw: list[Raw], batch_id: int = -1) -> dict:
        clock = _Stopwatch()
        model = self.models.model_for_next_batch()
        fresh = [m for m in raw if m[1] >= self.committed.get(m[0], 0)]
        self.stats.replayed_skipped += len(raw) - len(fresh)
        if not fresh:
            return {}
        now = datetime.now(UTC)
        items, dead = self._parse(fresh, now)
        items, dead_cards = self._enrichable(items, now)
        dead += dead_cards
        reused = self._stored_by_earlier_attempt(items)
        to_score = [it for it in items if it.tx.trans_num not in reused]
        clock.lap("prepare")
        scored, unscorable = self._score(to_score, model, clock)
        dead += unscorable
        rows = list(reused.values()) + scored
        self.sink.write_batch(rows, dead)
        clock.lap("write")
        next_offsets = _next_offsets(fresh)
        self.sink.commit_offsets(next_offsets)
        self.committed.update(next_offsets)
        self.history.add(_history_row(row) for row in rows)
        clock.lap("commit")
        return self._account(batch_id, len(fresh), rows, dead, len(reused), model.version, clock)

    # -- steps ----------------------------------------------------------------------------

    def _parse(self, fresh: list[Raw], now: datetime) -> tuple[list[_Item], list[tuple]]:
        items, dead, seen = [], [], set()
        for partition, offset, value in fresh:
            try:
                tx = parse(value, now.timestamp())
            except Invalid as exc:
                dead.append(self._dead(partition, offset, value, str(exc), now))
                continue
            if tx.trans_num in seen:
                # The same transaction twice in one batch: store it once (first offset wins).
                dead.append(self._dead(partition, offset, value, f"duplicate trans_num {tx.trans_num!r}", now))
                continue
            seen.add(tx.trans_num)
            items.append(_Item(partition, offset, tx, value))
        return items, dead

    def _enrichable(self, items: list[_Item], now: datetime) -> tuple[list[_Item], list[tuple]]:
        self._batch_customers = self.customers.lookup({it.tx.cc_num for it in items})
        known, dead = [], []
        for it in items:
            if it.tx.cc_num in self._batch_customers:
                known.append(it)
            else:
                reason = f"unknown cc_num {it.tx.cc_num!r}: no customer record (import the customer first)"
                dead.append(self._dead(it.partition, it.offset, it.raw, reason, now))
        return known, dead

    def _stored_by_earlier_attempt(self, items: list[_Item]) -> dict[str, dict]:
        suspects = [it for it in items if it.offset < self.recovery_until.get(it.partition, 0)]
        if not suspects:
            return {}
        keys = [(it.tx.cc_num, _tx_time(it.tx), it.tx.trans_num) for it in suspects]
        return self.sink.already_stored(keys)

    def _score(self, items: list[_Item], model, clock: _Stopwatch) -> tuple[list[dict], list[tuple]]:
        if not items:
            return [], []
        from fraud_jobs.features import build_features
        from fraud_jobs.schema import CUSTOMER_FIELDS
        from fraud_jobs.streaming.history import HISTORY_FIELDS
        from fraud_jobs.streaming.sparktypes import local_frame

        spark = self.spark
        tx_df = local_frame(spark, [it.tx.as_row() for it in items], TRANSACTION_FIELDS)
        cards = {it.tx.cc_num for it in items}
        customers = self._batch_customers
        cust_df = local_frame(spark, [tuple(customers[c].values()) for c in cards], CUSTOMER_FIELDS)
        earliest = min(it.tx.unix_time for it in items)
        history = self.history.rows_for(cards, earliest)
        clock.lap("history")
        types = dict(TRANSACTION_FIELDS)
        hist_df = local_frame(spark, history, tuple((f, types[f]) for f in HISTORY_FIELDS))
        scored = model.score(build_features(tx_df, cust_df, hist_df))
        results = {
            r.trans_num: r
            for r in scored.select("trans_num", "age", "distance", "fraud_probability", "is_fraud_pred").collect()
        }
        clock.lap("score")
        ingested_at = _now_ms()
        rows, dead = [], []
        for it in items:
            r = results.get(it.tx.trans_num)
            if r is None:  # cannot happen while features keep every known card; never drop silently
                dead.append(
                    self._dead(it.partition, it.offset, it.raw, "feature pipeline dropped the row", ingested_at)
                )
                continue
            rows.append(_stored_row(it, r, model.version, ingested_at))
        return rows, dead

    def _dead(self, partition: int, offset: int, value, reason: str, now: datetime) -> tuple:
        text = value.decode("utf-8", "replace") if isinstance(value, bytes | bytearray) else value
        return (self.cfg.topic, partition, offset, text, reason, now)

    def _account(self, batch_id, n, rows, dead, reused, version, clock: _Stopwatch) -> dict:
        s = self.stats
        s.batches += 1
        s.messages += n
        s.scored += len(rows)
        s.dead_lettered += len(dead)
        s.recovered += reused
        s.by_version[version] += len(rows) - reused
        for d in dead:
            s.reasons[d[4].split(":")[0].split(" '")[0]] += 1
        log.info(
            "batch %s: %d messages, %d stored, %d dead-lettered, %d recovered, model %s, %.0f ms (%s)",
            batch_id,
            n,
            len(rows),
            len(dead),
            reused,
            version,
            clock.total_ms(),
            clock.summary(),
        )
        return {
            "messages": n,
            "stored": len(rows),
            "dead": len(dead),
            "recovered": reused,
            "ms": clock.total_ms(),
            "laps": dict(clock.laps),
        }


class _Stopwatch:
    """Per-step milliseconds of one batch, for the log line and the benchmark."""

    def __init__(self) -> None:
        self.started = self._last = time.monotonic()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.laps[name] = self.laps.get(name, 0.0) + (now - self._last) * 1000
        self._last = now

    def total_ms(self) -> float:
        return (time.monotonic() - self.started) * 1000

    def summary(self) -> str:
        return ", ".join(f"{k} {v:.0f}" for k, v in self.laps.items())


# -- row helpers ---------------------------------------------------------------------------


def _tx_time(tx: Transaction) -> datetime:
    return datetime.fromtimestamp(tx.unix_time, UTC)


def _now_ms() -> datetime:
    # Cassandra keeps milliseconds; truncating here makes a re-read row compare equal.
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _stored_row(it: _Item, r, version: str, ingested_at: datetime) -> dict:
    tx = it.tx
    return {
        "cc_num": tx.cc_num,
        "trans_time": _tx_time(tx),
        "trans_num": tx.trans_num,
        "category": tx.category,
        "merchant": tx.merchant,
        "amt": tx.amt,
        "merch_lat": tx.merch_lat,
        "merch_long": tx.merch_long,
        "distance": r.distance,
        "age": r.age,
        "is_fraud": int(r.is_fraud_pred),
        "fraud_probability": float(r.fraud_probability),
        "model_version": version,
        "source": SOURCE,
        "kafka_partition": it.partition,
        "kafka_offset": it.offset,
        "ingested_at": ingested_at,
    }


def _history_row(row: dict) -> tuple:
    return (
        row["cc_num"],
        row["trans_num"],
        int(row["trans_time"].timestamp()),
        row["category"],
        row["amt"],
        row["merch_lat"],
        row["merch_long"],
    )


def _next_offsets(raw: list[Raw]) -> dict[int, int]:
    out: dict[int, int] = {}
    for partition, offset, _ in raw:
        out[partition] = max(out.get(partition, 0), offset + 1)
    return out


# -- running the query --------------------------------------------------------------------


def kafka_positions(bootstrap: str, topic: str, timeout_s: float = 60.0) -> tuple[list[int], dict[int, int]]:
    """The topic's partitions and their end offsets, waiting up to ``timeout_s`` for Kafka."""
    from kafka import KafkaConsumer, TopicPartition
    from kafka.errors import KafkaError

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            consumer = KafkaConsumer(bootstrap_servers=bootstrap.split(","), request_timeout_ms=15_000)
            try:
                partitions = consumer.partitions_for_topic(topic)
                if partitions:
                    tps = [TopicPartition(topic, p) for p in sorted(partitions)]
                    ends = consumer.end_offsets(tps)
                    return sorted(partitions), {tp.partition: off for tp, off in ends.items()}
            finally:
                consumer.close()
            problem = f"topic {topic!r} does not exist on {bootstrap} (create it or start the producer)"
        except KafkaError as exc:
            problem = (
                f"cannot reach Kafka at {bootstrap!r} ({exc}); start it with `fraudctl local up` or fix --bootstrap"
            )
        if time.monotonic() > deadline:
            raise RuntimeError(problem)
        log.warning("%s; retrying", problem)
        time.sleep(2)


def _start_query(spark, cfg: StreamConfig, start: str, scorer: BatchScorer):
    reader = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", cfg.bootstrap)
        .option("subscribe", cfg.topic)
        .option("startingOffsets", start)
        .option("maxOffsetsPerTrigger", cfg.max_offsets_per_trigger)
        # Offsets missing from Kafka (retention) must not stop scoring; the gap is visible
        # as a jump in kafka_offset. A broker outage fails the query and run() restarts it.
        .option("failOnDataLoss", "false")
    )
    writer = reader.load().writeStream.foreachBatch(scorer).queryName(f"score-{cfg.topic}")
    if cfg.trigger_ms > 0:
        writer = writer.trigger(processingTime=f"{cfg.trigger_ms} milliseconds")
    if cfg.checkpoint_dir:
        writer = writer.option("checkpointLocation", cfg.checkpoint_dir)
    return writer.start()


def build(cfg: StreamConfig, spark=None):
    """The scorer and its Cassandra session, ready for run() (or direct calls in tests)."""
    from fraud_jobs import features
    from fraud_jobs.cassandra_io import connect
    from fraud_jobs.model import resolve
    from fraud_jobs.streaming.customers import CustomerCache
    from fraud_jobs.streaming.history import HistoryCache
    from fraud_jobs.streaming.models import ModelWatcher

    resolve(cfg.models_dir, cfg.model_version)  # no model: fail before starting a JVM
    if spark is None:
        from fraud_jobs.spark_session import get_spark

        spark = get_spark("fraud-stream", cfg.master)
    session = connect([cfg.cassandra_host], cfg.cassandra_port)
    sink = Sink(session, cfg.keyspace, cfg.topic, cfg.consumer, cfg.write_concurrency)
    customers = CustomerCache(session, cfg.keyspace, cfg.customer_refresh_s)
    history = HistoryCache(session, cfg.keyspace, features.HISTORY_WINDOW_SECONDS, cfg.write_concurrency)
    models = ModelWatcher(cfg.models_dir, cfg.model_version)
    models.model_for_next_batch()  # fail fast, before Kafka, when there is no model
    return BatchScorer(spark, cfg, session, sink, customers, history, models)


def run(cfg: StreamConfig, stop: threading.Event | None = None, spark=None) -> BatchStats:
    """Run until ``stop`` is set; a failed query (Kafka or Cassandra outage) is restarted."""
    stop = stop or threading.Event()
    scorer = build(cfg, spark)
    backoff = 1.0
    try:
        while not stop.is_set():
            partitions, ends = kafka_positions(cfg.bootstrap, cfg.topic, timeout_s=float("inf"))
            committed = scorer.sink.committed_offsets()
            scorer.resume(committed, ends)
            start = starting_offsets(cfg.topic, committed, partitions)
            log.info("starting query on %s from %s", cfg.topic, start)
            query = _start_query(scorer.spark, cfg, start, scorer)
            while query.isActive and not stop.is_set():
                query.awaitTermination(0.5)
                if query.isActive:
                    backoff = 1.0
            if stop.is_set():
                query.stop()
                break
            log.warning("query stopped (%s); restarting in %.0f s", query.exception(), backoff)
            stop.wait(backoff)
            backoff = min(backoff * 2, 15.0)
    finally:
        scorer.session.cluster.shutdown()
    return scorer.stats
