"""Fixtures of the dashboard and API tests: known rows on the real local Cassandra.

Creating a keyspace costs Cassandra several seconds of schema work on two cores, so the
known rows live in one keyspace per test module (made from fraud_jobs.schema like the
shared `keyspace` fixture); tests that write more use cards of their own.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Any

import pytest

from fraud_dashboard.config import CassandraConfig
from fraud_jobs import schema

from . import rows


@dataclass
class KnownData:
    keyspace: str
    config: CassandraConfig
    customer: dict[str, Any]
    statement: list[dict[str, Any]]


@pytest.fixture(scope="module")
def module_keyspace(cassandra_session) -> str:
    from harness.stack import unique_name

    name = unique_name("dash")
    for statement in schema.schema_statements(name):
        cassandra_session.execute(statement, timeout=60)
    yield name
    cassandra_session.execute(f"DROP KEYSPACE IF EXISTS {name}", timeout=60)


@pytest.fixture(scope="module")
def known_data(cassandra_session, module_keyspace, local_stack) -> KnownData:
    """One customer with 23 transactions (timestamps tie in threes), plus a card with
    transactions but no customer row."""
    customer = rows.customer()
    rows.store_customer(cassandra_session, module_keyspace, customer)
    statement = rows.statement_rows()
    rows.store(cassandra_session, module_keyspace, statement)
    rows.store(cassandra_session, module_keyspace, [rows.scored(rows.OTHER_CARD, trans_num="orphan-1")])
    cfg = CassandraConfig(
        hosts=(local_stack.cassandra_host,), port=local_stack.cassandra_port, keyspace=module_keyspace
    )
    return KnownData(keyspace=module_keyspace, config=cfg, customer=customer, statement=statement)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
