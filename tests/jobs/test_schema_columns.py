"""The column tuples in fraud_jobs.schema agree with the CQL they describe."""

import re

from fraud_jobs import schema


def _ddl_columns(table: str) -> tuple[str, ...]:
    body = schema.TABLES[table].split("(", 1)[1]
    return tuple(m[1] for m in re.finditer(r"^\s+(\w+) \w+,?$", body, re.M) if m[1] != "PRIMARY")


def test_stored_transaction_columns_match_the_tables() -> None:
    for table in schema.TRANSACTION_TABLES:
        assert _ddl_columns(table) == schema.STORED_TRANSACTION_COLUMNS


def test_feed_columns_match_the_table() -> None:
    assert _ddl_columns("transaction_feed") == schema.FEED_COLUMNS
