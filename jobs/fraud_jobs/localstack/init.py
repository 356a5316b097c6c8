"""Create what the platform expects to find: the transactions topic and the Cassandra schema."""

from __future__ import annotations

from fraud_jobs import schema
from fraud_jobs.localstack.config import StackConfig


def ensure_topic(bootstrap: str, name: str = schema.TOPIC, partitions: int = schema.TOPIC_PARTITIONS) -> bool:
    """Create ``name`` with ``partitions`` partitions; True if it was created, False if it existed.

    An existing topic with a different partition count is an error: producers key by card and
    the stream's offsets are per partition, so a silent mismatch would corrupt both."""
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="fraudctl-init")
    try:
        try:
            admin.create_topics([NewTopic(name, partitions, 1)])
            return True
        except TopicAlreadyExistsError:
            described = admin.describe_topics([name])[0]
            found = len(described["partitions"])
            if found != partitions:
                raise RuntimeError(
                    f"topic {name!r} exists with {found} partitions, expected {partitions}; "
                    f"delete it or use another topic name"
                ) from None
            return False
    finally:
        admin.close()


def ensure_schema(cfg: StackConfig, keyspace: str = schema.KEYSPACE) -> None:
    from fraud_jobs.cassandra_io import connect

    session = connect([cfg.host], cfg.cassandra_port)
    try:
        for statement in schema.schema_statements(keyspace):
            session.execute(statement, timeout=60)
    finally:
        session.cluster.shutdown()


def initialize(stack, on_event=lambda service, message: None, keyspace: str = schema.KEYSPACE,
               topic: str = schema.TOPIC) -> None:
    """Create the topic and the schema on whichever of the two services ``stack`` runs."""
    names = {s.name for s in stack.services}
    if "kafka" in names:
        created = ensure_topic(stack.cfg.kafka_bootstrap, topic)
        on_event("kafka", f"topic {topic} {'created' if created else 'present'}")
    if "cassandra" in names:
        ensure_schema(stack.cfg, keyspace)
        on_event("cassandra", f"keyspace {keyspace} present")
