"""The one source of truth for shared data facts.

Topic name, the customer / transaction record schemas, and the Cassandra keyspace and
table definitions live here and nowhere else: the generator, the import, training and
streaming jobs, the producer, the dashboard, the REST API and the operator's schema Job
all import from this module. It has no third-party imports, so any image can use it.
"""

from __future__ import annotations

from dataclasses import dataclass

TOPIC = "creditcardTransaction"
TOPIC_PARTITIONS = 3
KEYSPACE = "creditcard"

# -- record schemas ---------------------------------------------------------------------
# (name, logical type). Logical types: string, double, int, long, date, timestamp.

CUSTOMER_FIELDS: tuple[tuple[str, str], ...] = (
    ("cc_num", "string"),
    ("first", "string"),
    ("last", "string"),
    ("gender", "string"),
    ("street", "string"),
    ("city", "string"),
    ("state", "string"),
    ("zip", "string"),
    ("lat", "double"),
    ("long", "double"),
    ("job", "string"),
    ("dob", "date"),
)

# A transaction as it arrives in files and on Kafka (JSON). trans_date is YYYY-MM-DD,
# trans_time HH:MM:SS, unix_time seconds since the epoch (UTC) of the same instant.
# is_fraud is the label: present in historical files, optional on the wire.
TRANSACTION_FIELDS: tuple[tuple[str, str], ...] = (
    ("cc_num", "string"),
    ("first", "string"),
    ("last", "string"),
    ("trans_num", "string"),
    ("trans_date", "string"),
    ("trans_time", "string"),
    ("unix_time", "long"),
    ("category", "string"),
    ("amt", "double"),
    ("merchant", "string"),
    ("merch_lat", "double"),
    ("merch_long", "double"),
    ("is_fraud", "int"),
)

CATEGORIES: tuple[str, ...] = (
    "entertainment",
    "food_dining",
    "gas_transport",
    "grocery_net",
    "grocery_pos",
    "health_fitness",
    "home",
    "kids_pets",
    "misc_net",
    "misc_pos",
    "personal_care",
    "shopping_net",
    "shopping_pos",
    "travel",
)

# -- Cassandra --------------------------------------------------------------------------

# Columns of a stored (scored or imported) transaction. Both fraud_transaction and
# non_fraud_transaction share them. Partitioned by card so a statement is one partition
# read, clustered newest first. trans_num in the key makes every write idempotent:
# re-importing or replaying a Kafka offset rewrites the same row.
_TRANSACTION_COLUMNS = """
    cc_num text,
    trans_time timestamp,
    trans_num text,
    category text,
    merchant text,
    amt double,
    merch_lat double,
    merch_long double,
    distance double,
    age int,
    is_fraud int,
    fraud_probability double,
    model_version text,
    source text,
    kafka_partition int,
    kafka_offset bigint,
    ingested_at timestamp,
    PRIMARY KEY ((cc_num), trans_time, trans_num)
"""



def _transaction_table(name: str) -> str:
    return (
        f"\nCREATE TABLE IF NOT EXISTS {{ks}}.{name} ({_TRANSACTION_COLUMNS})"
        "\nWITH CLUSTERING ORDER BY (trans_time DESC, trans_num ASC)"
    )


TABLES: dict[str, str] = {
    "customers": """
CREATE TABLE IF NOT EXISTS {ks}.customers (
    cc_num text PRIMARY KEY,
    first text,
    last text,
    gender text,
    street text,
    city text,
    state text,
    zip text,
    lat double,
    long double,
    job text,
    dob date
)""",
    "fraud_transaction": _transaction_table("fraud_transaction"),
    "non_fraud_transaction": _transaction_table("non_fraud_transaction"),
    # The stream's committed position: for each (consumer, topic, partition) the next
    # offset to read. Written in the same write path as the rows of that batch.
    "kafka_offset": """
CREATE TABLE IF NOT EXISTS {ks}.kafka_offset (
    consumer text,
    topic text,
    partition int,
    offset bigint,
    updated_at timestamp,
    PRIMARY KEY ((consumer), topic, partition)
)""",
    # Messages the stream could not score, with the raw payload and why. Keyed by the
    # Kafka coordinates so a replay rewrites instead of duplicating.
    "dead_letter": """
CREATE TABLE IF NOT EXISTS {ks}.dead_letter (
    topic text,
    partition int,
    offset bigint,
    raw text,
    reason text,
    received_at timestamp,
    PRIMARY KEY ((topic), partition, offset)
)""",
    # A time-bucketed feed of scored transactions for the live dashboard: "rows newer than
    # the last shown" is a single-partition range read instead of a cluster-wide scan.
    # bucket is the UTC minute of ingested_at as 'YYYY-MM-DDTHH:MM'.
    "transaction_feed": """
CREATE TABLE IF NOT EXISTS {ks}.transaction_feed (
    bucket text,
    ingested_at timestamp,
    trans_num text,
    cc_num text,
    trans_time timestamp,
    category text,
    merchant text,
    amt double,
    merch_lat double,
    merch_long double,
    is_fraud int,
    fraud_probability double,
    model_version text,
    PRIMARY KEY ((bucket), ingested_at, trans_num)
) WITH CLUSTERING ORDER BY (ingested_at DESC, trans_num ASC)
  AND default_time_to_live = 86400""",
}

TRANSACTION_TABLES = ("fraud_transaction", "non_fraud_transaction")

# Columns of fraud_transaction / non_fraud_transaction in table order (the DDL above);
# tests/jobs check the two agree.
STORED_TRANSACTION_COLUMNS = (
    "cc_num", "trans_time", "trans_num", "category", "merchant", "amt", "merch_lat", "merch_long",
    "distance", "age", "is_fraud", "fraud_probability", "model_version", "source",
    "kafka_partition", "kafka_offset", "ingested_at",
)

# Columns of transaction_feed, as the stream writes them and the dashboard reads them.
FEED_COLUMNS = (
    "bucket",
    "ingested_at",
    "trans_num",
    "cc_num",
    "trans_time",
    "category",
    "merchant",
    "amt",
    "merch_lat",
    "merch_long",
    "is_fraud",
    "fraud_probability",
    "model_version",
)


@dataclass(frozen=True)
class Replication:
    strategy: str = "SimpleStrategy"
    factor: int = 1
    datacenter: str | None = None  # for NetworkTopologyStrategy

    def cql(self) -> str:
        if self.strategy == "NetworkTopologyStrategy":
            if not self.datacenter:
                raise ValueError("NetworkTopologyStrategy needs a datacenter name, e.g. 'dc1'")
            return f"{{'class': 'NetworkTopologyStrategy', '{self.datacenter}': {self.factor}}}"
        return f"{{'class': 'SimpleStrategy', 'replication_factor': {self.factor}}}"


def schema_statements(keyspace: str = KEYSPACE, replication: Replication | None = None) -> list[str]:
    """CQL statements that create the keyspace and every table; safe to run twice."""
    if not keyspace.replace("_", "").isalnum() or not keyspace[0].isalpha():
        raise ValueError(
            f"keyspace name {keyspace!r} is not valid CQL: use letters, digits and '_', starting with a letter"
        )
    replication = replication or Replication()
    statements = [
        f"CREATE KEYSPACE IF NOT EXISTS {keyspace} WITH replication = {replication.cql()}"
    ]
    statements += [ddl.format(ks=keyspace).strip() for ddl in TABLES.values()]
    return statements


def schema_cql(keyspace: str = KEYSPACE, replication: Replication | None = None) -> str:
    """The whole schema as one cqlsh script (used by the operator's schema Job)."""
    return ";\n\n".join(schema_statements(keyspace, replication)) + ";\n"
