"""Fixtures for the real local stack: Kafka and Cassandra as local processes.

The stack comes up once per test run (reusing one that is already running under the same
state directory, e.g. a developer's `fraudctl local up`) and is stopped at the end only if
this run started it. Each test gets its own topic and keyspace, so tests never see each
other's data. If the stack cannot start, every test that needs it FAILS: a missing service
is an error, never a skip.

Fixtures:
  local_stack      session   LocalStackHandle (.kafka_bootstrap, .cassandra_host, .cassandra_port,
                             .state_dir, .stack)
  kafka_bootstrap  session   "127.0.0.1:9092"
  cassandra_session session  cassandra-driver Session (no keyspace set)
  keyspace         function  a fresh keyspace with the whole platform schema; dropped afterwards
  topic            function  a fresh topic with 3 partitions; deleted afterwards
  isolated_kafka   function  a private Kafka on free ports in a temp dir (LocalStack), for tests
                             that stop and start the broker; stopped afterwards
Environment: FRAUD_TEST_STATE_DIR (default <repo>/.fraud), FRAUD_KEEP_STACK=1 to leave a stack
this run started running.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from fraud_jobs import schema
from fraud_jobs.localstack import LocalStack, StackConfig, StackError

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class LocalStackHandle:
    stack: LocalStack
    kafka_bootstrap: str
    cassandra_host: str
    cassandra_port: int
    state_dir: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(stack: LocalStack) -> None:
    try:
        stack.up()
    except StackError as exc:
        pytest.fail(f"the local stack could not start: {exc}\n--- log tail ---\n{exc.log_tail}", pytrace=False)


@pytest.fixture(scope="session")
def local_stack() -> LocalStackHandle:
    cfg = StackConfig(state_dir=Path(os.environ.get("FRAUD_TEST_STATE_DIR", REPO / ".fraud")))
    stack = LocalStack(cfg)
    was_running = all(s.running for s in stack.status())
    _start(stack)
    yield LocalStackHandle(stack, cfg.kafka_bootstrap, cfg.host, cfg.cassandra_port, cfg.state_dir)
    if not was_running and os.environ.get("FRAUD_KEEP_STACK") != "1":
        stack.down()


@pytest.fixture(scope="session")
def kafka_bootstrap(local_stack: LocalStackHandle) -> str:
    return local_stack.kafka_bootstrap


@pytest.fixture(scope="session")
def cassandra_session(local_stack: LocalStackHandle):
    from fraud_jobs.cassandra_io import connect

    session = connect([local_stack.cassandra_host], local_stack.cassandra_port, timeout=60)
    yield session
    session.cluster.shutdown()


def unique_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def keyspace(cassandra_session) -> str:
    name = unique_name("t")
    for statement in schema.schema_statements(name):
        cassandra_session.execute(statement, timeout=60)
    yield name
    cassandra_session.execute(f"DROP KEYSPACE IF EXISTS {name}", timeout=60)


@pytest.fixture
def topic(kafka_bootstrap: str) -> str:
    from kafka import KafkaAdminClient

    from fraud_jobs.localstack.init import ensure_topic

    name = unique_name("t")
    ensure_topic(kafka_bootstrap, name, schema.TOPIC_PARTITIONS)
    yield name
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap, client_id="tests-cleanup")
    try:
        admin.delete_topics([name])
    finally:
        admin.close()


@pytest.fixture
def isolated_kafka(tmp_path: Path) -> LocalStack:
    cfg = StackConfig(state_dir=tmp_path / "stack", kafka_port=free_port(), kafka_controller_port=free_port(),
                      cassandra_port=free_port(), cassandra_storage_port=free_port())
    stack = LocalStack(cfg, ["kafka"])
    _start(stack)
    yield stack
    stack.down(timeout=20)
