"""The generator: seeded, schema-true, realistic fraud (bursts, night, far, big amounts)."""

from __future__ import annotations

import numpy as np
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from fraud_jobs.generate import GeneratorConfig, generate, make_customers, make_transactions
from fraud_jobs.schema import CATEGORIES, CUSTOMER_FIELDS, TRANSACTION_FIELDS


@pytest.fixture(scope="module")
def data():
    config = GeneratorConfig(customers=400, days=120, seed=3)
    rng = np.random.default_rng(config.seed)
    cust = make_customers(config, rng)
    return config, cust, make_transactions(config, cust, rng)


def test_same_seed_same_data_other_seed_other_data():
    config = GeneratorConfig(customers=50, days=14, seed=11)
    runs = []
    for seed in (11, 11, 12):
        rng = np.random.default_rng(seed)
        cust = make_customers(config, rng)
        runs.append(make_transactions(config, cust, rng))
    assert np.array_equal(runs[0].amt, runs[1].amt) and np.array_equal(runs[0].trans_num, runs[1].trans_num)
    assert len(runs[0]) != len(runs[2]) or not np.array_equal(runs[0].amt, runs[2].amt)


def test_volume_fraud_rate_order_and_uniqueness(data):
    config, cust, tx = data
    assert len(np.unique(cust.cc_num)) == len(cust) == 400
    assert all(len(c) == 16 and c.isdigit() for c in cust.cc_num)
    # ~1.3 purchases a day per holder
    assert 0.8 * 400 * 120 < len(tx) < 2.0 * 400 * 120
    assert 0.004 < tx.is_fraud.mean() < 0.012
    assert np.all(np.diff(tx.unix_time) >= 0), "transactions must be time-ordered"
    assert len(np.unique(tx.trans_num)) == len(tx)
    start = int(np.datetime64(config.start, "s").astype(np.int64))
    assert tx.unix_time.min() >= start and tx.unix_time.max() < start + config.days * 86400


def test_fraud_comes_in_bursts_at_night_with_big_amounts(data):
    _, _, tx = data
    fraud = tx.is_fraud == 1
    cards = tx.customer[fraud]
    # A few compromised cards, several frauds each, within days.
    per_card = np.bincount(cards)
    assert per_card[per_card > 0].mean() >= 4
    spans = [np.ptp(tx.unix_time[fraud & (tx.customer == c)]) for c in np.unique(cards)]
    assert np.median(spans) < 5 * 86400
    hour = (tx.unix_time // 3600) % 24
    night = np.isin(hour, [22, 23, 0, 1, 2, 3])
    assert night[fraud].mean() > 3 * night[~fraud].mean()
    assert np.median(tx.amt[fraud]) > 3 * np.median(tx.amt[~fraud])


@pytest.mark.parametrize("fmt", ["csv", "csv.gz", "parquet"])
def test_files_in_every_format_follow_the_schema(tmp_path, fmt):
    result = generate(GeneratorConfig(customers=30, days=10, seed=5), tmp_path, fmt, progress=False)
    read = pq.read_table if fmt == "parquet" else pacsv.read_csv
    customers, transactions = read(result.customers_path), read(result.transactions_path)
    assert customers.column_names == [n for n, _ in CUSTOMER_FIELDS]
    assert transactions.column_names == [n for n, _ in TRANSACTION_FIELDS]
    assert transactions.num_rows == result.transactions and customers.num_rows == 30
    assert set(transactions["category"].to_pylist()) <= set(CATEGORIES)
    assert set(transactions["cc_num"].cast("string").to_pylist()) <= set(customers["cc_num"].cast("string").to_pylist())
    dates = transactions["trans_date"].cast("string").to_pylist()
    times = transactions["trans_time"].cast("string").to_pylist()
    unix = transactions["unix_time"].to_pylist()
    for d, t, u in zip(dates[:50], times[:50], unix[:50], strict=True):
        assert np.datetime64(f"{d}T{t}", "s").astype(np.int64) == u


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match="--days 3"):
        generate(GeneratorConfig(days=3), "/nonexistent", "csv")
    with pytest.raises(ValueError, match="--format 'xlsx'"):
        generate(GeneratorConfig(), "/nonexistent", "xlsx")
