"""Proof that the local stack is real: data goes in and comes back out exactly."""

from __future__ import annotations

import json
import time
from collections import Counter

import pytest

from fraud_jobs import cassandra_io

pytestmark = pytest.mark.integration

N = 10_000


def _produce(bootstrap: str, topic: str, n: int) -> None:
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5, enable_idempotence=True,
                             key_serializer=str.encode, value_serializer=lambda v: json.dumps(v).encode())
    futures = [producer.send(topic, key=f"card-{i % 97}", value={"seq": i}) for i in range(n)]
    producer.flush(60)
    for f in futures:
        f.get(timeout=30)  # raises if any send failed
    producer.close()


def test_kafka_produce_consume_exactly(kafka_bootstrap: str, topic: str) -> None:
    from kafka import KafkaConsumer

    _produce(kafka_bootstrap, topic, N)
    consumer = KafkaConsumer(topic, bootstrap_servers=kafka_bootstrap, auto_offset_reset="earliest",
                             enable_auto_commit=False, group_id=None, consumer_timeout_ms=10_000,
                             value_deserializer=json.loads)
    seen: Counter[int] = Counter()
    partitions: set[int] = set()
    deadline = time.time() + 120
    for message in consumer:
        seen[message.value["seq"]] += 1
        partitions.add(message.partition)
        if len(seen) == N or time.time() > deadline:
            break
    consumer.close()
    assert len(seen) == N, f"lost {N - len(seen)} messages"
    assert max(seen.values()) == 1, f"duplicates: {[k for k, v in seen.items() if v > 1][:10]}"
    assert partitions == {0, 1, 2}, f"keys should spread over the 3 partitions, got {partitions}"


def test_cassandra_write_read_back(cassandra_session, keyspace: str) -> None:
    cassandra_session.execute(f"CREATE TABLE {keyspace}.proof (id int PRIMARY KEY, payload text)")
    rows = [(i, f"row-{i}") for i in range(N)]
    written = cassandra_io.write_rows(cassandra_session, f"INSERT INTO {keyspace}.proof (id, payload) VALUES (?, ?)",
                                      rows)
    assert written == N
    back = {r.id: r.payload for r in cassandra_session.execute(f"SELECT id, payload FROM {keyspace}.proof",
                                                                timeout=60)}
    assert back == dict(rows)


def test_write_rows_reports_failure(cassandra_session, keyspace: str) -> None:
    cassandra_session.execute(f"CREATE TABLE {keyspace}.strict (id int PRIMARY KEY, v int)")
    cql = f"INSERT INTO {keyspace}.strict (id, v) VALUES (?, ?)"
    with pytest.raises(Exception, match="v"):
        cassandra_io.write_rows(cassandra_session, cql, [(1, 1), (2, "not-an-int")])


def test_spark_batch_reads_topic_exactly(spark, kafka_bootstrap: str, topic: str) -> None:
    _produce(kafka_bootstrap, topic, N)
    df = (spark.read.format("kafka").option("kafka.bootstrap.servers", kafka_bootstrap)
          .option("subscribe", topic).option("startingOffsets", "earliest").option("endingOffsets", "latest").load())
    from pyspark.sql import functions as F

    stats = df.agg(F.count("*").alias("n"), F.countDistinct("value").alias("distinct")).first()
    assert (stats["n"], stats["distinct"]) == (N, N)


def test_spark_writes_dataframe_to_cassandra(spark, cassandra_session, keyspace: str) -> None:
    from pyspark.sql import functions as F

    df = spark.range(N).select(F.col("id").cast("string").alias("cc_num"),
                               (F.col("id") % 90 + 18).cast("int").alias("age"))
    cassandra_session.execute(f"CREATE TABLE {keyspace}.spark_proof (cc_num text PRIMARY KEY, age int)")
    written = cassandra_io.write_dataframe(df, keyspace, "spark_proof", ["cc_num", "age"],
                                           host="127.0.0.1", port=cassandra_session.cluster.port)
    assert written == N
    count = cassandra_session.execute(f"SELECT count(*) FROM {keyspace}.spark_proof", timeout=60).one()[0]
    assert count == N
    sample = cassandra_session.execute(f"SELECT age FROM {keyspace}.spark_proof WHERE cc_num = '123'").one()
    assert sample.age == 123 % 90 + 18
