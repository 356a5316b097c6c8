"""Import into a fresh keyspace of the real local Cassandra: rows, computed columns,
idempotence, and reading the history back for training."""

from __future__ import annotations

import math
from datetime import date

import pytest

from fraud_jobs.generate import GeneratorConfig, generate
from fraud_jobs.importer import import_files
from fraud_jobs.train import read_cassandra

pytestmark = pytest.mark.integration


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def table_rows(session, keyspace: str, table: str) -> set[tuple]:
    cql = f"SELECT cc_num, trans_time, trans_num, amt, age, distance, is_fraud FROM {keyspace}.{table}"
    rows = session.execute(cql)
    return {tuple(r) for r in rows}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    out = tmp_path_factory.mktemp("import-data")
    return generate(GeneratorConfig(customers=40, days=20, seed=9, fraud_rate=0.02), out, "csv.gz", progress=False)


def test_import_is_complete_correct_and_idempotent(spark, cassandra_session, keyspace, local_stack, files):
    host, port = local_stack.cassandra_host, local_stack.cassandra_port
    first = import_files(spark, files.customers_path, files.transactions_path, keyspace, host, port)
    assert first.customers == 40
    assert first.fraud == files.frauds and first.fraud + first.non_fraud == files.transactions
    assert first.unknown_cards == 0
    fraud = table_rows(cassandra_session, keyspace, "fraud_transaction")
    normal = table_rows(cassandra_session, keyspace, "non_fraud_transaction")
    assert len(fraud) == files.frauds and len(normal) == files.transactions - files.frauds
    assert {r[-1] for r in fraud} == {1} and {r[-1] for r in normal} == {0}

    # Computed columns against hand computation for one stored row.
    import pandas as pd

    tx = pd.read_csv(files.transactions_path, dtype={"cc_num": str})
    cust = pd.read_csv(files.customers_path, dtype={"cc_num": str, "zip": str}).set_index("cc_num")
    row = tx.iloc[len(tx) // 2]
    table = "fraud_transaction" if row.is_fraud else "non_fraud_transaction"
    stored = cassandra_session.execute(
        f"SELECT age, distance, toUnixTimestamp(trans_time) AS ms, source FROM {keyspace}.{table} "
        "WHERE cc_num = %s AND trans_num = %s ALLOW FILTERING",
        (row.cc_num, row.trans_num),
    ).one()
    holder = cust.loc[row.cc_num]
    dob, day = date.fromisoformat(holder.dob), date.fromisoformat(row.trans_date)
    assert stored.age == day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))
    assert stored.distance == pytest.approx(haversine(holder.lat, holder.long, row.merch_lat, row.merch_long),
                                            abs=1e-3)
    assert stored.ms == row.unix_time * 1000 and stored.source == "import"

    # Importing the same files again leaves exactly the same rows.
    again = import_files(spark, files.customers_path, files.transactions_path, keyspace, host, port)
    assert again.transactions == first.transactions
    assert table_rows(cassandra_session, keyspace, "fraud_transaction") == fraud
    assert table_rows(cassandra_session, keyspace, "non_fraud_transaction") == normal
    count = cassandra_session.execute(f"SELECT count(*) FROM {keyspace}.customers").one()[0]
    assert count == 40

    # Training reads the same history back, in the record schema.
    tx_df, cust_df = read_cassandra(spark, keyspace, host, port)
    back = tx_df.toPandas().set_index("trans_num").sort_index()
    orig = tx.set_index("trans_num").sort_index()
    assert list(back.index) == list(orig.index)
    for column in ("cc_num", "unix_time", "trans_date", "trans_time", "category", "amt", "is_fraud", "first"):
        assert (back[column].astype(str) == orig[column].astype(str)).all(), column
    assert cust_df.count() == 40
