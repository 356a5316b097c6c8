"""Producer parts that need no broker: rate limiting, stamping, sources, the unreachable error."""

from __future__ import annotations

import json
import socket
import time

import pytest

from fraud_jobs import produce
from fraud_jobs.streaming.records import parse

CUSTOMERS = [
    {"cc_num": "1111", "first": "A", "last": "B", "lat": 40.0, "long": -74.0},
    {"cc_num": "2222", "first": "C", "last": "D", "lat": 34.0, "long": -118.0},
]


def test_token_bucket_holds_the_rate() -> None:
    bucket = produce.TokenBucket(rate=2_000)  # burst: 100 tokens
    started = time.monotonic()
    for _ in range(700):
        bucket.take()
    # 600 tokens beyond the burst at 2,000/s cannot take less than 0.3 s.
    assert time.monotonic() - started >= 0.29


def test_token_bucket_rejects_nonsense_rate() -> None:
    with pytest.raises(ValueError, match="rate must be positive"):
        produce.TokenBucket(0)


def test_generated_transactions_are_valid_fresh_and_keyed_by_card() -> None:
    before = time.time()
    source = produce.generated(CUSTOMERS, seed=7)
    messages = [produce.encode(next(source)) for _ in range(500)]
    txs = [parse(value) for _, value in messages]
    assert all(key == tx.cc_num for (key, _), tx in zip(messages, txs, strict=True))
    assert len({tx.trans_num for tx in txs}) == 500
    assert all(int(before) <= tx.unix_time <= time.time() for tx in txs)
    assert {tx.cc_num for tx in txs} == {"1111", "2222"}


def test_file_source_restamps_every_pick(tmp_path) -> None:
    row = next(produce.generated(CUSTOMERS, seed=1))
    path = tmp_path / "tx.jsonl"
    path.write_text(json.dumps({**row, "unix_time": 1_500_000_000}) + "\n")
    picks = produce.from_file(produce.load_transactions(path), seed=3)
    first, second = next(picks), next(picks)
    assert first["trans_num"] != second["trans_num"] != row["trans_num"]
    assert first["unix_time"] >= int(time.time()) - 5


def test_missing_file_names_the_fix(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="fraudctl generate"):
        produce.load_transactions(tmp_path / "nope.csv")


def test_unreachable_kafka_is_a_clear_error() -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(produce.KafkaUnreachable, match=rf"127.0.0.1:{port}.*fraudctl local up"):
        produce.make_producer(f"127.0.0.1:{port}", bootstrap_timeout_ms=2_000)
