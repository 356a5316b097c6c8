"""Model features, defined once: training, evaluation and the streaming job all call these.

Every feature is point-in-time correct. A transaction's features use its own fields, its
card holder's customer record, and only transactions of the same card that happened
strictly before it -- ordered by ``unix_time``, ties broken by ``trans_num`` -- and at most
``HISTORY_WINDOW_SECONDS`` earlier. Nothing later than the transaction being scored is
ever read, so features computed offline over a whole history equal the ones the stream
computes when the transaction arrives.

Functions here are pure DataFrame -> DataFrame transformations with no I/O.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

# Mean Earth radius (IUGG), km. Haversine on a sphere is within ~0.5 % of the ellipsoid.
EARTH_RADIUS_KM = 6371.0088

# How far back history features look. The streaming job keeps at least this much of each
# card's earlier transactions as `history`.
HISTORY_WINDOW_SECONDS = 30 * 24 * 3600
SHORT_WINDOWS_SECONDS = {"1h": 3600, "24h": 24 * 3600}

# Night as a fraud engineer means it: the hours in which card holders rarely buy.
NIGHT_HOURS = (22, 23, 0, 1, 2, 3, 4)

# Value of "km from the previous transaction" when the card has no earlier transaction
# inside the history window (a tree model separates the sentinel from real distances).
NO_PREVIOUS = -1.0

CATEGORICAL_COLUMNS: list[str] = ["category", "gender"]

NUMERIC_FEATURES: list[str] = [
    "amt",
    "age",
    "distance",
    "hour",
    "day_of_week",
    "is_night",
    "secs_since_prev",
    "km_from_prev",
    "tx_count_1h",
    "tx_count_24h",
    "amt_sum_24h",
    "tx_count_30d",
    "amt_mean_30d",
    "amt_ratio_30d",
    "category_share_30d",
]

# Customer columns the features need (joined onto each transaction by cc_num).
CUSTOMER_FEATURE_COLUMNS: list[str] = ["gender", "lat", "long", "dob"]

# Transaction columns the history features need from `history` rows.
HISTORY_COLUMNS: list[str] = [
    "cc_num", "trans_num", "unix_time", "category", "amt", "merch_lat", "merch_long",
]


def haversine_km(lat1: Column, lon1: Column, lat2: Column, lon2: Column) -> Column:
    """Great-circle distance in km between two points given in degrees."""
    from pyspark.sql import functions as F

    dlat = F.radians(lat2 - lat1)
    dlon = F.radians(lon2 - lon1)
    a = F.sin(dlat / 2) ** 2 + F.cos(F.radians(lat1)) * F.cos(F.radians(lat2)) * F.sin(dlon / 2) ** 2
    return F.lit(2 * EARTH_RADIUS_KM) * F.asin(F.least(F.lit(1.0), F.sqrt(a)))


def age_at(dob: Column, day: Column) -> Column:
    """Whole years between a date of birth and a day (the birthday itself counts)."""
    from pyspark.sql import functions as F

    before_birthday = (F.month(day) < F.month(dob)) | (
        (F.month(day) == F.month(dob)) & (F.dayofmonth(day) < F.dayofmonth(dob))
    )
    return (F.year(day) - F.year(dob) - F.when(before_birthday, 1).otherwise(0)).cast("int")


def with_customer_features(tx: DataFrame, customers: DataFrame) -> DataFrame:
    """Add the card holder's columns the model needs, ``age`` at the transaction date and
    ``distance`` (haversine km) from home to the merchant, plus calendar features.

    Transactions whose card has no customer record are dropped: the model cannot score
    them and the import reports them.
    """
    from pyspark.sql import functions as F

    cust = customers.select(
        "cc_num",
        *[F.col(c).alias(c) for c in CUSTOMER_FEATURE_COLUMNS if c != "dob"],
        F.col("dob").cast("date").alias("dob"),
    )
    # Drop any customer columns the caller already joined, so the result has one copy.
    tx = tx.drop(*[c for c in CUSTOMER_FEATURE_COLUMNS if c in tx.columns])
    joined = tx.join(F.broadcast(cust), on="cc_num", how="inner")
    day = F.to_date("trans_date")
    hour = F.substring("trans_time", 1, 2).cast("int")
    distance = haversine_km(F.col("lat"), F.col("long"), F.col("merch_lat"), F.col("merch_long"))
    # One projection (withColumns), not a chain of withColumn: each withColumn re-analyses
    # the whole plan, which the streaming job pays on every micro-batch.
    return joined.withColumns({
        "age": age_at(F.col("dob"), day),
        "distance": distance,
        "hour": hour,
        # ISO day of week, Monday = 1 ... Sunday = 7.
        "day_of_week": ((F.dayofweek(day) + 5) % 7 + 1).cast("int"),
        "is_night": F.when(hour.isin(*NIGHT_HOURS), 1).otherwise(0),
    })


def _window_aggregates(rows: DataFrame) -> DataFrame:
    """History aggregates for every row of `rows` (all rows of the cards concerned).

    A range frame over ``unix_time`` sees [t - W, t] including rows of the same second that
    come later by trans_num (and the row itself); subtracting the same-second rows with
    ``trans_num >= own`` leaves exactly the strictly earlier ones.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    by_card = Window.partitionBy("cc_num").orderBy("unix_time")
    same_second_on = (
        Window.partitionBy("cc_num", "unix_time")
        .orderBy("trans_num")
        .rowsBetween(Window.currentRow, Window.unboundedFollowing)
    )
    by_card_cat = Window.partitionBy("cc_num", "category").orderBy("unix_time")
    same_second_cat_on = (
        Window.partitionBy("cc_num", "category", "unix_time")
        .orderBy("trans_num")
        .rowsBetween(Window.currentRow, Window.unboundedFollowing)
    )
    ordered = Window.partitionBy("cc_num").orderBy("unix_time", "trans_num")

    def earlier(agg, seconds: int, frame=by_card, tie=same_second_on) -> Column:
        return agg.over(frame.rangeBetween(-seconds, 0)) - agg.over(tie)

    def earlier_amount(seconds: int) -> Column:
        # Amounts are cents: rounding removes the float residue of the subtraction, so the
        # value does not depend on the order Spark summed the frame in.
        return F.round(earlier(F.sum(amt), seconds), 2)

    amt = F.col("amt")
    columns = {
        "_prev_time": F.lag("unix_time").over(ordered),
        "_prev_lat": F.lag("merch_lat").over(ordered),
        "_prev_long": F.lag("merch_long").over(ordered),
    }
    for name, seconds in SHORT_WINDOWS_SECONDS.items():
        columns[f"tx_count_{name}"] = earlier(F.count(F.lit(1)), seconds)
    columns["amt_sum_24h"] = F.coalesce(earlier_amount(SHORT_WINDOWS_SECONDS["24h"]), F.lit(0.0))
    columns["tx_count_30d"] = earlier(F.count(F.lit(1)), HISTORY_WINDOW_SECONDS)
    columns["_amt_sum_30d"] = earlier_amount(HISTORY_WINDOW_SECONDS)
    columns["_cat_count_30d"] = earlier(F.count(F.lit(1)), HISTORY_WINDOW_SECONDS, by_card_cat, same_second_cat_on)
    return rows.withColumns(columns)


def _finish_history(df: DataFrame) -> DataFrame:
    from pyspark.sql import functions as F

    window = F.lit(float(HISTORY_WINDOW_SECONDS))
    gap = (F.col("unix_time") - F.col("_prev_time")).cast("double")
    has_prev = F.col("_prev_time").isNotNull() & (gap <= window)
    count = F.col("tx_count_30d")
    mean = F.when(count > 0, F.col("_amt_sum_30d") / count)
    prev_km = haversine_km(F.col("_prev_lat"), F.col("_prev_long"), F.col("merch_lat"), F.col("merch_long"))
    return df.withColumns({
        "secs_since_prev": F.when(has_prev, gap).otherwise(window),
        "km_from_prev": F.when(has_prev, prev_km).otherwise(F.lit(NO_PREVIOUS)),
        "amt_sum_24h": F.col("amt_sum_24h").cast("double"),
        "amt_mean_30d": F.coalesce(mean, F.lit(0.0)),
        # With no history the transaction is its own yardstick: ratio 1, not an outlier.
        "amt_ratio_30d": F.coalesce(F.col("amt") / mean, F.lit(1.0)),
        "category_share_30d": F.when(count > 0, F.col("_cat_count_30d") / count).otherwise(F.lit(0.0)),
        "tx_count_1h": F.col("tx_count_1h").cast("int"),
        "tx_count_24h": F.col("tx_count_24h").cast("int"),
        "tx_count_30d": F.col("tx_count_30d").cast("int"),
    }).drop("_prev_time", "_prev_lat", "_prev_long", "_amt_sum_30d", "_cat_count_30d")


def with_history_features(tx: DataFrame, history: DataFrame | None = None) -> DataFrame:
    """Add the card-history features to every row of `tx`.

    Each row uses only rows of (history ∪ tx) of the same ``cc_num`` strictly earlier
    than it (``unix_time``, then ``trans_num``) and within ``HISTORY_WINDOW_SECONDS``.
    With ``history=None`` the dataset is its own history (training); the streaming job
    passes the recent earlier transactions of the batch's cards. History rows with a
    ``trans_num`` that is also in `tx` are ignored, so overlapping inputs are safe.
    """
    from pyspark.sql import functions as F

    own = tx.withColumn("_is_tx", F.lit(True))
    if history is not None:
        past = history.select(*HISTORY_COLUMNS).join(tx.select("trans_num"), on="trans_num", how="left_anti")
        rows = own.unionByName(past.withColumn("_is_tx", F.lit(False)), allowMissingColumns=True)
    else:
        rows = own
    with_aggs = _window_aggregates(rows).where(F.col("_is_tx")).drop("_is_tx")
    return _finish_history(with_aggs)


def build_features(tx: DataFrame, customers: DataFrame, history: DataFrame | None = None) -> DataFrame:
    """Every model feature: customer, calendar and point-in-time history features."""
    return with_history_features(with_customer_features(tx, customers), history)


def feature_columns() -> list[str]:
    """All columns the model pipeline reads."""
    return CATEGORICAL_COLUMNS + NUMERIC_FEATURES
