"""Cassandra writes of one micro-batch, in the order that makes them exactly-once.

1. scored rows (to fraud_transaction or non_fraud_transaction), their feed rows, and the
   dead letters -- all idempotent upserts keyed by trans_num / Kafka coordinates;
2. then, only when every write of step 1 succeeded, each partition's next offset into
   kafka_offset.

A crash before 2 replays the batch from the old offsets and rewrites the same keys; a
crash after 2 starts after the batch. The one thing a replay could change is the verdict
(a new model version, or different history after a restart), which would put a
transaction in the *other* table too: :meth:`Sink.already_stored` finds rows a crashed
attempt stored, and the stream writes those back unchanged instead of rescoring them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime

from fraud_jobs.schema import FEED_COLUMNS, STORED_TRANSACTION_COLUMNS, TRANSACTION_TABLES

TRANSACTION_COLUMNS = STORED_TRANSACTION_COLUMNS
DEAD_LETTER_COLUMNS = ("topic", "partition", "offset", "raw", "reason", "received_at")
SOURCE = "stream"


def insert_cql(keyspace: str, table: str, columns: Iterable[str]) -> str:
    columns = tuple(columns)
    return f"INSERT INTO {keyspace}.{table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def feed_bucket(ingested_at: datetime) -> str:
    """transaction_feed's partition: the UTC minute of ingested_at (see schema.py)."""
    return ingested_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def table_for(is_fraud: int) -> str:
    return TRANSACTION_TABLES[0] if is_fraud else TRANSACTION_TABLES[1]


def feed_row(row: dict) -> tuple:
    values = {**row, "bucket": feed_bucket(row["ingested_at"])}
    return tuple(values[c] for c in FEED_COLUMNS)


class Sink:
    def __init__(self, session, keyspace: str, topic: str, consumer: str, concurrency: int = 64) -> None:
        self.session, self.keyspace, self.topic, self.consumer = session, keyspace, topic, consumer
        self.concurrency = concurrency
        self._offset_cql = insert_cql(
            keyspace, "kafka_offset", ("consumer", "topic", "partition", "offset", "updated_at")
        )
        self._tx_cql = {t: insert_cql(keyspace, t, TRANSACTION_COLUMNS) for t in TRANSACTION_TABLES}
        self._feed_cql = insert_cql(keyspace, "transaction_feed", FEED_COLUMNS)
        self._dead_cql = insert_cql(keyspace, "dead_letter", DEAD_LETTER_COLUMNS)
        self._lookups = {
            t: session.prepare(
                f"SELECT {', '.join(TRANSACTION_COLUMNS)} FROM {keyspace}.{t} "
                "WHERE cc_num = ? AND trans_time = ? AND trans_num = ?"
            )
            for t in TRANSACTION_TABLES
        }

    # -- offsets --------------------------------------------------------------------------

    def committed_offsets(self) -> dict[int, int]:
        """partition -> next offset to read, as last committed by this consumer."""
        rows = self.session.execute(
            f"SELECT partition, offset FROM {self.keyspace}.kafka_offset WHERE consumer = %s AND topic = %s",
            (self.consumer, self.topic),
        )
        return {row.partition: row.offset for row in rows}

    def commit_offsets(self, next_offsets: dict[int, int]) -> None:
        from fraud_jobs.cassandra_io import write_rows

        now = datetime.now(UTC)
        rows = [(self.consumer, self.topic, p, o, now) for p, o in sorted(next_offsets.items())]
        write_rows(self.session, self._offset_cql, rows, self.concurrency)

    # -- rows -----------------------------------------------------------------------------

    def already_stored(self, keys: list[tuple[str, datetime, str]]) -> dict[str, dict]:
        """trans_num -> stored row (as a dict) for the keys found in either table."""
        from cassandra.concurrent import execute_concurrent_with_args

        found: dict[str, dict] = {}
        for statement in self._lookups.values():
            results = execute_concurrent_with_args(
                self.session, statement, keys, concurrency=self.concurrency, raise_on_first_error=True
            )
            for _, rows in results:
                for row in rows:
                    record = dict(zip(TRANSACTION_COLUMNS, row, strict=True))
                    for column in ("trans_time", "ingested_at"):
                        if record[column] is not None and record[column].tzinfo is None:
                            record[column] = record[column].replace(tzinfo=UTC)
                    found[record["trans_num"]] = record
        return found

    def write_batch(self, scored: list[dict], dead: list[tuple]) -> None:
        """Step 1 of the module docstring: scored rows, feed rows, dead letters."""
        from fraud_jobs.cassandra_io import write_rows

        by_table: dict[str, list[tuple]] = {t: [] for t in TRANSACTION_TABLES}
        for row in scored:
            by_table[table_for(row["is_fraud"])].append(tuple(row[c] for c in TRANSACTION_COLUMNS))
        for table, rows in by_table.items():
            if rows:
                write_rows(self.session, self._tx_cql[table], rows, self.concurrency)
        if scored:
            write_rows(self.session, self._feed_cql, [feed_row(r) for r in scored], self.concurrency)
        if dead:
            write_rows(self.session, self._dead_cql, dead, self.concurrency)


def starting_offsets(topic: str, committed: dict[int, int], partitions: Iterable[int]) -> str:
    """Spark's ``startingOffsets`` JSON: committed partitions resume, the others start at
    the earliest offset (-2). Spark wants every partition named once any is."""
    if not committed:
        return "earliest"
    return json.dumps(
        {topic: {str(p): committed.get(p, -2) for p in sorted(set(partitions) | set(committed))}}
    )
