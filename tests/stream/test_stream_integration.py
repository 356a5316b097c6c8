"""The streaming job on the real stack: Kafka -> Spark Structured Streaming -> Cassandra.

Every test counts what was produced and reads back what was stored: each transaction in
exactly one of the two tables, no more, no fewer, whatever happened in between.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections import Counter, defaultdict

import pytest
import support
from conftest import StreamProcess, stream_in_process

from fraud_jobs import produce
from fraud_jobs.localstack.init import ensure_topic
from fraud_jobs.stream import kafka_positions

pytestmark = [pytest.mark.integration, pytest.mark.slow]

WAIT_S = 600  # generous: the suite shares two cores with Kafka, Cassandra and Spark


def send_good(
    bootstrap: str, topic: str, history: list[dict], count: int, rate: float | None = None, seed: int = 1
) -> list[str]:
    """Produce ``count`` valid transactions; returns their trans_nums."""
    sent: list[str] = []
    producer = produce.make_producer(bootstrap)
    try:
        messages = (produce.encode(tx) for tx in produce.from_file(history, seed))
        stats = produce.send(
            producer,
            messages,
            topic,
            rate=rate,
            count=count,
            on_sent=lambda key, value, at: sent.append(_trans_num(value)),
        )
    finally:
        producer.close()
    assert stats.acked == count and stats.failed == 0, stats.summary()
    return sent


def _trans_num(value: bytes) -> str:
    import json

    return json.loads(value)["trans_num"]


def assert_exactly_once(session, keyspace: str, topic: str, bootstrap: str, expected: set[str]) -> dict:
    rows = support.stored_rows(session, keyspace)
    fraud = [r.trans_num for r in rows["fraud_transaction"]]
    legit = [r.trans_num for r in rows["non_fraud_transaction"]]
    assert not set(fraud) & set(legit), "a transaction is stored in both tables"
    assert len(fraud) + len(legit) == len(expected)
    assert set(fraud) | set(legit) == expected
    coordinates = [(r.kafka_partition, r.kafka_offset) for t in rows.values() for r in t]
    assert len(set(coordinates)) == len(coordinates), "two rows claim the same Kafka offset"
    assert all(r.model_version and r.fraud_probability is not None for t in rows.values() for r in t)
    feed = session.execute(f"SELECT count(*) FROM {keyspace}.transaction_feed").one()[0]
    assert feed == len(expected), "every stored row is also in the dashboard feed"
    committed = {
        r.partition: r.offset
        for r in session.execute(
            f"SELECT partition, offset FROM {keyspace}.kafka_offset WHERE consumer = 'fraud-stream' AND topic = %s",
            (topic,),
        )
    }
    _, ends = kafka_positions(bootstrap, topic)
    assert committed == {p: end for p, end in ends.items() if end > 0}
    return rows


def test_ten_thousand_produced_ten_thousand_stored(spark, stream_config, cassandra_session, stream_data):
    cfg = stream_config
    expected = set(send_good(cfg.bootstrap, cfg.topic, stream_data[1], 10_000))
    with stream_in_process(cfg, spark):
        support.wait_until(
            lambda: support.stored_count(cassandra_session, cfg.keyspace) >= 10_000, WAIT_S, "10,000 stored rows"
        )
        time.sleep(2)  # a duplicate or stray write would land now
    rows = assert_exactly_once(cassandra_session, cfg.keyspace, cfg.topic, cfg.bootstrap, expected)
    assert rows["fraud_transaction"], "the model flags some of the generated fraud"
    assert support.dead_letters(cassandra_session, cfg.keyspace) == []


@pytest.mark.parametrize("lose_checkpoint", [False, True], ids=["checkpoint-kept", "checkpoint-deleted"])
def test_sigkill_and_restart_store_each_exactly_once(
    stream_config, cassandra_session, stream_data, tmp_path, lose_checkpoint: bool
):
    cfg = stream_config
    cfg.max_offsets_per_trigger = 1_500  # several batches, so the kill lands mid-run
    expected = set(send_good(cfg.bootstrap, cfg.topic, stream_data[1], 10_000))
    first = StreamProcess(cfg, tmp_path / "stream-1.log")
    try:
        support.wait_until(
            lambda: support.stored_count(cassandra_session, cfg.keyspace) >= 1_500,
            WAIT_S,
            "the first batches to be stored",
        )
        first.kill()
    finally:
        if first.alive():
            first.kill()
    stored_at_kill = support.stored_count(cassandra_session, cfg.keyspace)
    assert stored_at_kill < 10_000, "the job finished before the kill; the test proves nothing"
    if lose_checkpoint:
        shutil.rmtree(cfg.checkpoint_dir)
    second = StreamProcess(cfg, tmp_path / "stream-2.log")
    try:
        support.wait_until(
            lambda: support.stored_count(cassandra_session, cfg.keyspace) >= 10_000,
            WAIT_S,
            f"the restarted job to store the rest\n{second.log_tail()}",
        )
        time.sleep(2)
    finally:
        second.stop()
    assert_exactly_once(cassandra_session, cfg.keyspace, cfg.topic, cfg.bootstrap, expected)


def test_malformed_messages_are_dead_lettered_and_the_rest_scored(spark, stream_config, cassandra_session, stream_data):
    cfg = stream_config
    customers, history = stream_data
    bad = support.malformed_messages(100, known_card=customers[0]["cc_num"])
    good = [produce.encode(tx) for tx, _ in zip(produce.from_file(history, seed=9), range(2_000), strict=False)]
    mixed = list(good)
    for i, (key, value, _) in enumerate(bad):
        mixed.insert(i * 20 + 7, (key, value))
    producer = produce.make_producer(cfg.bootstrap)
    stats = produce.send(producer, mixed, cfg.topic)
    producer.close()
    assert stats.acked == 2_100
    with stream_in_process(cfg, spark):
        support.wait_until(
            lambda: (
                len(support.dead_letters(cassandra_session, cfg.keyspace)) >= 100
                and support.stored_count(cassandra_session, cfg.keyspace) >= 2_000
            ),
            WAIT_S,
            "2,000 stored and 100 dead letters",
        )
        time.sleep(2)
    expected = {_trans_num(value) for _, value in good}
    assert_exactly_once(cassandra_session, cfg.keyspace, cfg.topic, cfg.bootstrap, expected)
    dead = support.dead_letters(cassandra_session, cfg.keyspace)
    assert len(dead) == 100
    by_raw = {value.decode(errors="replace"): reason for _, value, reason in bad}
    for row in dead:
        assert by_raw[row.raw] in row.reason, (row.raw, row.reason)
    assert Counter(r for _, _, r in bad) == Counter(next(k for k in by_raw.values() if k in row.reason) for row in dead)


def test_broker_outage_loses_nothing(spark, isolated_kafka, stream_config, cassandra_session, stream_data):
    cfg = stream_config
    cfg.bootstrap = isolated_kafka.cfg.kafka_bootstrap
    ensure_topic(cfg.bootstrap, cfg.topic, 3)
    sent: list[str] = []
    producer_done = threading.Event()

    def produce_steadily() -> None:
        try:
            sent.extend(send_good(cfg.bootstrap, cfg.topic, stream_data[1], 3_000, rate=150))
        finally:
            producer_done.set()

    with stream_in_process(cfg, spark):
        support.wait_until(lambda: support.stored_count(cassandra_session, cfg.keyspace) >= 0, 5, "start")
        producer = threading.Thread(target=produce_steadily, daemon=True)
        producer.start()
        support.wait_until(
            lambda: support.stored_count(cassandra_session, cfg.keyspace) >= 300, WAIT_S, "the stream to be scoring"
        )
        isolated_kafka.stop_service("kafka")
        stored_during = support.stored_count(cassandra_session, cfg.keyspace)
        time.sleep(20)
        isolated_kafka.start_service("kafka")
        assert producer_done.wait(WAIT_S), "the producer never delivered everything after the restart"
        support.wait_until(
            lambda: support.stored_count(cassandra_session, cfg.keyspace) >= 3_000,
            WAIT_S,
            "everything sent to arrive after the outage",
        )
        time.sleep(2)
    assert stored_during < 3_000, "the outage happened after everything was stored; the test proves nothing"
    assert_exactly_once(cassandra_session, cfg.keyspace, cfg.topic, cfg.bootstrap, set(sent))


def test_model_switch_mid_stream_scores_each_row_with_one_version(
    spark, stream_config, cassandra_session, stream_data, pipeline, models_root
):
    cfg = stream_config
    cfg.max_offsets_per_trigger = 1_000
    thresholds = {"v1": 0.5, "v2": 0.05}  # same forest, different cut-off: the table shows the version
    expected: list[str] = []
    with stream_in_process(cfg, spark):
        expected += send_good(cfg.bootstrap, cfg.topic, stream_data[1], 2_000, seed=3)
        support.wait_until(
            lambda: support.stored_count(cassandra_session, cfg.keyspace) >= 1_000, WAIT_S, "the first version to score"
        )
        support.publish(models_root, pipeline, threshold=thresholds["v2"], version="v2")
        expected += send_good(cfg.bootstrap, cfg.topic, stream_data[1], 2_000, seed=4)
        support.wait_until(
            lambda: support.stored_count(cassandra_session, cfg.keyspace) >= 4_000, WAIT_S, "4,000 stored rows"
        )
        time.sleep(2)
    rows = assert_exactly_once(cassandra_session, cfg.keyspace, cfg.topic, cfg.bootstrap, set(expected))
    versions = Counter(r.model_version for t in rows.values() for r in t)
    assert set(versions) == {"v1", "v2"}, versions
    for table, stored in rows.items():
        for r in stored:
            # The row's table and is_fraud follow the threshold of the version it names.
            assert r.is_fraud == int(r.fraud_probability >= thresholds[r.model_version]), r
            assert (table == "fraud_transaction") == bool(r.is_fraud)
    # Within each partition, the switch happens once, at a batch boundary: v1 offsets < v2 offsets.
    by_partition: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for r in (r for t in rows.values() for r in t):
        by_partition[r.kafka_partition][r.model_version].append(r.kafka_offset)
    for partition, offsets in by_partition.items():
        if offsets["v1"] and offsets["v2"]:
            assert max(offsets["v1"]) < min(offsets["v2"]), partition


def test_replayed_batch_keeps_the_verdict_of_its_first_attempt(
    spark, stream_config, cassandra_session, stream_data, pipeline, models_root
):
    """A crash between the row writes and the offset commit replays the batch; by then a new
    model (here: one that flags everything) may be live. The replay must not move a row."""
    from fraud_jobs.stream import build

    cfg = stream_config
    txs = produce.from_file(stream_data[1], seed=11)
    raw = [(i % 3, i // 3, produce.encode(next(txs))[1]) for i in range(600)]
    scorer = build(cfg, spark)
    try:
        scorer.resume({}, {})
        first = scorer.process(raw, 0)
        cassandra_session.execute(f"TRUNCATE {cfg.keyspace}.kafka_offset")  # the commit never happened
        support.publish(models_root, pipeline, threshold=0.0, version="v2")
        scorer.resume({}, {0: 200, 1: 200, 2: 200})
        replay = scorer.process(raw, 1)
    finally:
        scorer.session.cluster.shutdown()
    assert first["stored"] == 600 and replay["recovered"] == 600
    rows = support.stored_rows(cassandra_session, cfg.keyspace)
    fraud = {r.trans_num for r in rows["fraud_transaction"]}
    legit = {r.trans_num for r in rows["non_fraud_transaction"]}
    assert len(fraud) + len(legit) == 600 and not fraud & legit
    assert legit, "v1 leaves most rows unflagged; v2 would have moved them all"
    assert {r.model_version for t in rows.values() for r in t} == {"v1"}
