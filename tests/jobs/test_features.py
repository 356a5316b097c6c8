"""Feature functions: hand-computed values, an independent reference, and no look-ahead."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pytest
from pyspark.sql import functions as F
from pyspark.testing import assertDataFrameEqual

from fraud_jobs.features import (
    HISTORY_WINDOW_SECONDS,
    NUMERIC_FEATURES,
    build_features,
    with_customer_features,
    with_history_features,
)

pytestmark = pytest.mark.integration  # needs Spark

HISTORY_OUT = ["trans_num", "tx_count_1h", "tx_count_24h", "amt_sum_24h", "tx_count_30d", "secs_since_prev",
               "km_from_prev", "amt_mean_30d", "amt_ratio_30d", "category_share_30d"]


def customer(cc: str = "4000000000000001", dob: str = "1990-03-15", lat: float = 40.7128,
             long: float = -74.0060) -> dict:
    return {"cc_num": cc, "first": "Ann", "last": "Lee", "gender": "F", "street": "1 Main St", "city": "New York",
            "state": "NY", "zip": "10001", "lat": lat, "long": long, "job": "Nurse",
            "dob": date.fromisoformat(dob)}


def tx(trans_num: str, when: str, amt: float = 10.0, category: str = "grocery_pos", lat: float = 40.7128,
       long: float = -74.0060, cc: str = "4000000000000001", is_fraud: int = 0) -> dict:
    at = datetime.fromisoformat(when).replace(tzinfo=UTC)
    return {"cc_num": cc, "first": "Ann", "last": "Lee", "trans_num": trans_num,
            "trans_date": at.strftime("%Y-%m-%d"), "trans_time": at.strftime("%H:%M:%S"),
            "unix_time": int(at.timestamp()), "category": category, "amt": amt, "merchant": "M",
            "merch_lat": lat, "merch_long": long, "is_fraud": is_fraud}


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Independent reference: the textbook formula in plain Python."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def test_age_is_at_the_transaction_date_and_distance_is_haversine(spark):
    customers = spark.createDataFrame([customer(dob="1990-03-15")])
    rows = [
        tx("eve", "2020-03-14 23:59:59", lat=34.0522, long=-118.2437),   # day before the 30th birthday
        tx("birthday", "2020-03-15 00:00:00", lat=40.7128, long=-74.0060),  # at home
        tx("later", "2024-12-31 12:00:00", lat=41.8781, long=-87.6298),
    ]
    out = with_customer_features(spark.createDataFrame(rows), customers).select(
        "trans_num", "age", "distance", "hour", "day_of_week", "is_night")
    expected = spark.createDataFrame([
        {"trans_num": "eve", "age": 29, "distance": haversine(40.7128, -74.0060, 34.0522, -118.2437),
         "hour": 23, "day_of_week": 6, "is_night": 1},
        {"trans_num": "birthday", "age": 30, "distance": 0.0, "hour": 0, "day_of_week": 7, "is_night": 1},
        {"trans_num": "later", "age": 34, "distance": haversine(40.7128, -74.0060, 41.8781, -87.6298),
         "hour": 12, "day_of_week": 2, "is_night": 0},
    ], schema=out.schema)
    assertDataFrameEqual(out, expected, rtol=1e-9)
    # New York - Los Angeles is about 3,936 km on the sphere (and would be ~44.3 "degrees" Euclidean).
    eve = out.where("trans_num = 'eve'").first()["distance"]
    assert 3930 < eve < 3940


def test_history_features_by_hand(spark):
    rows = [
        tx("a", "2025-01-01 10:00:00", amt=10.0),
        tx("c", "2025-01-01 10:00:00", amt=30.0, category="travel", lat=41.7128),  # same second, after "a"
        tx("b", "2025-01-01 10:30:00", amt=20.0),
        tx("d", "2025-01-02 10:00:00", amt=100.0),  # exactly 24h after a and c
        tx("e", "2025-02-05 10:00:00", amt=5.0),    # more than 30 days after everything
    ]
    out = with_history_features(spark.createDataFrame(rows)).select(*HISTORY_OUT)
    km_a_c = haversine(40.7128, -74.0060, 41.7128, -74.0060)
    w = float(HISTORY_WINDOW_SECONDS)
    expected = [
        ("a", 0, 0, 0.0, 0, w, -1.0, 0.0, 1.0, 0.0),
        ("c", 1, 1, 10.0, 1, 0.0, km_a_c, 10.0, 3.0, 0.0),
        ("b", 2, 2, 40.0, 2, 1800.0, km_a_c, 20.0, 1.0, 0.5),
        ("d", 0, 3, 60.0, 3, 84600.0, 0.0, 20.0, 5.0, 2 / 3),
        ("e", 0, 0, 0.0, 0, w, -1.0, 0.0, 1.0, 0.0),
    ]
    assertDataFrameEqual(out, spark.createDataFrame(expected, schema=out.schema), rtol=1e-9)


def reference_history(rows: list[dict]) -> dict[str, dict]:
    """Plain-Python point-in-time features: for each row, scan the strictly earlier rows."""
    out = {}
    key = lambda r: (r["unix_time"], r["trans_num"])  # noqa: E731
    for r in rows:
        earlier = [e for e in rows if e["cc_num"] == r["cc_num"] and key(e) < key(r)
                   and e["unix_time"] >= r["unix_time"] - HISTORY_WINDOW_SECONDS]
        within = lambda s: [e for e in earlier if e["unix_time"] >= r["unix_time"] - s]  # noqa: B023, E731
        prev = max(earlier, key=key) if earlier else None
        n30 = len(earlier)
        mean = sum(e["amt"] for e in earlier) / n30 if n30 else None
        out[r["trans_num"]] = {
            "tx_count_1h": len(within(3600)),
            "tx_count_24h": len(within(86400)),
            "amt_sum_24h": round(sum(e["amt"] for e in within(86400)), 2),
            "tx_count_30d": n30,
            "secs_since_prev": float(r["unix_time"] - prev["unix_time"]) if prev else float(HISTORY_WINDOW_SECONDS),
            "km_from_prev": haversine(prev["merch_lat"], prev["merch_long"], r["merch_lat"], r["merch_long"])
            if prev else -1.0,
            "amt_mean_30d": mean if mean is not None else 0.0,
            "amt_ratio_30d": r["amt"] / mean if mean else 1.0,
            "category_share_30d": sum(e["category"] == r["category"] for e in earlier) / n30 if n30 else 0.0,
        }
    return out


@pytest.fixture(scope="module")
def small_data(spark, tmp_path_factory):
    from fraud_jobs.generate import GeneratorConfig, generate

    out = tmp_path_factory.mktemp("features-data")
    result = generate(GeneratorConfig(customers=25, days=40, seed=7, fraud_rate=0.02), out, "parquet", progress=False)
    from fraud_jobs.importer import read_customers, read_transactions

    return read_transactions(spark, result.transactions_path), read_customers(spark, result.customers_path)


def test_history_features_match_an_independent_reference(small_data):
    tx_df, _ = small_data
    rows = [r.asDict() for r in tx_df.collect()]
    # Force same-second ties on one card, the case the tie-break exists for.
    rows[1] = {**rows[1], "cc_num": rows[0]["cc_num"], "unix_time": rows[0]["unix_time"]}
    spark = tx_df.sparkSession
    got = {r["trans_num"]: r.asDict() for r in with_history_features(spark.createDataFrame(rows, tx_df.schema))
           .select(*HISTORY_OUT).collect()}
    want = reference_history(rows)
    assert len(got) == len(want) == len(rows)
    for trans_num, features in want.items():
        for name, value in features.items():
            assert got[trans_num][name] == pytest.approx(value, rel=1e-9, abs=1e-9), (trans_num, name)


def test_no_feature_looks_ahead(small_data):
    """Features of the past are the same whether or not the future exists, and the
    streaming form (history + new batch) equals the batch form."""
    tx_df, customers = small_data
    cut = tx_df.approxQuantile("unix_time", [0.6], 0.0)[0]
    past = tx_df.where(F.col("unix_time") <= cut)
    future = tx_df.where(F.col("unix_time") > cut)
    cols = ["trans_num", *NUMERIC_FEATURES]
    everything = build_features(tx_df, customers).select(*cols)
    only_past = build_features(past, customers).select(*cols)
    assertDataFrameEqual(everything.join(past.select("trans_num"), "trans_num"), only_past, rtol=1e-9)
    # A future that changed completely (amounts x100, all at the same place) changes no past feature.
    wild_future = future.withColumn("amt", F.col("amt") * 100).withColumn("merch_lat", F.lit(0.0))
    with_wild = build_features(past.unionByName(wild_future), customers).select(*cols)
    assertDataFrameEqual(with_wild.join(past.select("trans_num"), "trans_num"), only_past, rtol=1e-9)
    # Streaming: the new batch scored against the earlier rows as history.
    streamed = build_features(future, customers, history=past).select(*cols)
    assertDataFrameEqual(streamed, everything.join(future.select("trans_num"), "trans_num"), rtol=1e-9)
