"""Cassandra I/O with cassandra-driver, written once for every job.

The Spark Cassandra Connector has no Spark 4 release, so Spark writes go through
``foreachPartition`` with one driver Session per partition task, a prepared statement,
and bounded concurrent execution (``execute_concurrent_with_args``): throughput close to
the connector's without its dependency.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cassandra.cluster import Session
    from pyspark.sql import DataFrame

DEFAULT_CONCURRENCY = 64
CHUNK = 5_000  # rows handed to the driver at once: bounds memory, keeps the pipe full


class WriteError(RuntimeError):
    pass


def connect(hosts: Sequence[str] = ("127.0.0.1",), port: int = 9042, keyspace: str | None = None,
            timeout: float = 30.0) -> Session:
    """A Session on a local-DC, token-aware cluster, with a clear error if nothing answers."""
    from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile, NoHostAvailable
    from cassandra.policies import DCAwareRoundRobinPolicy, TokenAwarePolicy

    profile = ExecutionProfile(
        load_balancing_policy=TokenAwarePolicy(DCAwareRoundRobinPolicy()), request_timeout=timeout
    )
    cluster = Cluster(list(hosts), port=port, execution_profiles={EXEC_PROFILE_DEFAULT: profile},
                      protocol_version=5, connect_timeout=10)
    try:
        return cluster.connect(keyspace)
    except NoHostAvailable as exc:
        cluster.shutdown()
        raise ConnectionError(
            f"cannot reach Cassandra at {','.join(hosts)}:{port} ({exc}); "
            "start it with 'fraudctl local up' or pass the right --cassandra-host/--cassandra-port"
        ) from None


def insert_cql(keyspace: str, table: str, columns: Sequence[str], ttl: int | None = None) -> str:
    cols = ", ".join(columns)
    marks = ", ".join("?" for _ in columns)
    using = f" USING TTL {ttl}" if ttl else ""
    return f"INSERT INTO {keyspace}.{table} ({cols}) VALUES ({marks}){using}"


def write_rows(session: Session, cql: str, rows: Iterable[Sequence[Any]],
               concurrency: int = DEFAULT_CONCURRENCY) -> int:
    """Write every row with one prepared statement and ``concurrency`` requests in flight.

    Raises WriteError naming the first failing row if any write fails; returns the count.
    """
    from cassandra.concurrent import execute_concurrent_with_args

    prepared = session.prepare(cql)
    written = 0
    rows_iter: Iterator[Sequence[Any]] = iter(rows)
    while chunk := list(itertools.islice(rows_iter, CHUNK)):
        results = execute_concurrent_with_args(session, prepared, chunk, concurrency=concurrency,
                                               raise_on_first_error=False)
        for (ok, result), row in zip(results, chunk, strict=True):
            if not ok:
                raise WriteError(f"write failed for row {tuple(row)!r} with {cql!r}: {result}")
        written += len(chunk)
    return written


def _partition_writer(hosts: Sequence[str], port: int, cql: str, columns: Sequence[str], concurrency: int):
    def write(partition: Iterable[Any]) -> Iterator[int]:
        # Runs on the executor: one session per task; the driver pools connections per host.
        session = connect(hosts, port)
        try:
            rows = (tuple(row[c] for c in columns) for row in partition)
            yield write_rows(session, cql, rows, concurrency)
        finally:
            session.cluster.shutdown()

    return write


def write_dataframe(df: DataFrame, keyspace: str, table: str, columns: Sequence[str],
                    host: str | Sequence[str] = "127.0.0.1", port: int = 9042,
                    concurrency: int = DEFAULT_CONCURRENCY, ttl: int | None = None) -> int:
    """Write ``df[columns]`` into ``keyspace.table``; returns the number of rows written.

    Column names must match the table's; types must already be what the driver expects
    (timestamps as datetime, dates as date)."""
    hosts = [host] if isinstance(host, str) else list(host)
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"DataFrame has no column(s) {missing} needed for {keyspace}.{table}; "
                         f"it has {df.columns}")
    cql = insert_cql(keyspace, table, columns, ttl)
    counts = df.select(*columns).rdd.mapPartitions(_partition_writer(hosts, port, cql, list(columns),
                                                                      concurrency)).collect()
    return int(sum(counts))
