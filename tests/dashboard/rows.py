"""Known rows for the dashboard and API tests, stored the way the stream job stores them."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fraud_jobs.streaming.sink import FEED_COLUMNS, TRANSACTION_COLUMNS, feed_row, insert_cql, table_for

CARD = "4000123412341234"
OTHER_CARD = "4000999988887777"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def customer(cc_num: str = CARD) -> dict[str, Any]:
    return {
        "cc_num": cc_num,
        "first": "Ada",
        "last": "Lovelace",
        "gender": "F",
        "street": "12 Analytical Row",
        "city": "London",
        "state": "NY",
        "zip": "10001",
        "lat": 40.7,
        "long": -74.0,
        "job": "Mathematician",
        "dob": date(1985, 12, 10),
    }


def scored(
    cc_num: str = CARD,
    trans_time: datetime = T0,
    is_fraud: int = 0,
    probability: float | None = None,
    ingested_at: datetime | None = None,
    trans_num: str | None = None,
    amt: float = 42.5,
) -> dict[str, Any]:
    """A row as the stream's scorer builds it (fraud_jobs.stream._stored_row)."""
    now = datetime.now(UTC)
    ingested = ingested_at or now.replace(microsecond=now.microsecond // 1000 * 1000)
    return {
        "cc_num": cc_num,
        "trans_time": trans_time,
        "trans_num": trans_num or uuid.uuid4().hex,
        "category": "grocery_pos",
        "merchant": "fraud_Kirlin and Sons",
        "amt": amt,
        "merch_lat": 40.1 + (0.5 if is_fraud else 0.0),
        "merch_long": -73.5,
        "distance": 12.3,
        "age": 40,
        "is_fraud": is_fraud,
        "fraud_probability": probability if probability is not None else 0.9 * is_fraud + 0.05,
        "model_version": "v-test",
        "source": "stream",
        "kafka_partition": 0,
        "kafka_offset": 1,
        "ingested_at": ingested,
    }


def store(session: Any, keyspace: str, rows: list[dict[str, Any]]) -> None:
    """The stream sink's writes: the transaction table chosen by verdict, then the feed."""
    for row in rows:
        table = table_for(row["is_fraud"])
        session.execute(
            session.prepare(insert_cql(keyspace, table, TRANSACTION_COLUMNS)),
            tuple(row[c] for c in TRANSACTION_COLUMNS),
        )
        session.execute(session.prepare(insert_cql(keyspace, "transaction_feed", FEED_COLUMNS)), feed_row(row))


def store_customer(session: Any, keyspace: str, values: dict[str, Any]) -> None:
    columns = list(values)
    session.execute(session.prepare(insert_cql(keyspace, "customers", columns)), tuple(values.values()))


def statement_rows(count: int = 23, cc_num: str = CARD) -> list[dict[str, Any]]:
    """`count` transactions, three per minute (so timestamps tie), every fourth a fraud."""
    return [
        scored(cc_num, T0 + timedelta(minutes=i // 3), is_fraud=int(i % 4 == 0), trans_num=f"tx{i:03d}", amt=i)
        for i in range(count)
    ]
