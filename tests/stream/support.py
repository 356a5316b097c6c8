"""Test data, a small model, and read-back helpers for the streaming tests and the benchmark."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np

from fraud_jobs import generate
from fraud_jobs.schema import CUSTOMER_FIELDS, TRANSACTION_TABLES


def customers_and_history(n_customers: int = 200, days: int = 14, seed: int = 5) -> tuple[list[dict], list[dict]]:
    """Generated customers and their labelled transactions (the generator of `fraudctl generate`)."""
    config = generate.GeneratorConfig(
        customers=n_customers, days=days, start=date(2025, 6, 1), seed=seed, fraud_rate=0.03
    )
    rng = np.random.default_rng(seed)
    cust = generate.make_customers(config, rng)
    tx = generate.make_transactions(config, cust, rng)
    customers = generate.customers_table(cust).to_pylist()
    history = [row for chunk in generate.transaction_chunks(tx, cust) for row in chunk.to_pylist()]
    return customers, history


def insert_customers(session, keyspace: str, customers: list[dict]) -> None:
    from fraud_jobs.cassandra_io import insert_cql, write_rows

    columns = [name for name, _ in CUSTOMER_FIELDS]
    write_rows(session, insert_cql(keyspace, "customers", columns), [tuple(c[k] for k in columns) for c in customers])


def train_pipeline(spark, customers: list[dict], transactions: list[dict], seed: int = 1, max_iter: int = 15):
    """A small logistic regression on the real feature code (fast enough for a test fixture)."""
    from pyspark.ml import Pipeline
    from pyspark.ml.classification import LogisticRegression
    from pyspark.ml.feature import StringIndexer, VectorAssembler
    from pyspark.sql import functions as F

    from fraud_jobs import features
    from fraud_jobs.streaming.sparktypes import customer_schema, transaction_schema

    cust = spark.createDataFrame([tuple(c[n] for n, _ in CUSTOMER_FIELDS) for c in customers], customer_schema())
    tx = spark.createDataFrame(
        [tuple(t[f.name] for f in transaction_schema().fields) for t in transactions], transaction_schema()
    )
    feats = features.build_features(tx, cust).withColumn("label", F.col("is_fraud").cast("double"))
    indexed = [f"{c}_idx" for c in features.CATEGORICAL_COLUMNS]
    stages = [
        StringIndexer(inputCols=features.CATEGORICAL_COLUMNS, outputCols=indexed, handleInvalid="keep"),
        VectorAssembler(inputCols=indexed + features.NUMERIC_FEATURES, outputCol="features", handleInvalid="keep"),
        LogisticRegression(maxIter=max_iter, regParam=0.01 * seed),
    ]
    return Pipeline(stages=stages).fit(feats)


def publish(root: Path, pipeline, threshold: float, version: str) -> None:
    from fraud_jobs import model

    model.publish(root, pipeline, {"threshold": threshold, "created_at": time.time()}, version=version)


def stored_rows(session, keyspace: str) -> dict[str, list]:
    """table -> every stored transaction row (trans_num, partition, offset, model, prob, is_fraud)."""
    out = {}
    for table in TRANSACTION_TABLES:
        out[table] = list(
            session.execute(
                f"SELECT trans_num, kafka_partition, kafka_offset, model_version, fraud_probability, is_fraud, "
                f"ingested_at FROM {keyspace}.{table}"
            )
        )
    return out


def stored_count(session, keyspace: str) -> int:
    return sum(session.execute(f"SELECT count(*) FROM {keyspace}.{t}").one()[0] for t in TRANSACTION_TABLES)


def dead_letters(session, keyspace: str) -> list:
    return list(session.execute(f"SELECT topic, partition, offset, raw, reason FROM {keyspace}.dead_letter"))


def wait_until(condition: Callable[[], bool], timeout: float, what: str, poll: float = 1.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(poll)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def malformed_messages(n: int, known_card: str, seed: int = 3) -> list[tuple[str, bytes, str]]:
    """``n`` bad messages of every kind the stream must dead-letter: (key, value, expected reason)."""
    import random

    from fraud_jobs.produce import stamp

    rng = random.Random(seed)
    base = stamp(
        {
            "cc_num": known_card,
            "first": "A",
            "last": "B",
            "category": "grocery_pos",
            "amt": 10.0,
            "merchant": "m",
            "merch_lat": 40.0,
            "merch_long": -74.0,
        }
    )
    kinds: list[tuple[Callable[[dict], object], str]] = [
        (lambda d: b"{this is not json", "malformed JSON"),
        (lambda d: {k: v for k, v in d.items() if k != "amt"}, "missing field"),
        (lambda d: {**d, "amt": "ten"}, "must be a number"),
        (lambda d: {**d, "amt": -5.0}, "amount must be positive"),
        (lambda d: {**d, "amt": 9e9}, "absurd amount"),
        (lambda d: {**d, "cc_num": "0000999900009999"}, "unknown cc_num"),
        (lambda d: {**d, "category": "casino"}, "unknown category"),
        (lambda d: [d], "expected a JSON object"),
    ]
    out = []
    for i in range(n):
        make, reason = kinds[i % len(kinds)]
        doc = make({**stamp(base)})
        value = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
        out.append((known_card if rng.random() < 0.5 else f"bad-{i}", value, reason))
    return out
