"""Training job (Spark ML): features -> time split -> K-means undersampling -> forest.

The evaluation is honest by construction:

* the split is by time -- train on the earliest transactions, pick the decision threshold
  on the validation slice after them, measure on the test slice after that -- never random;
* the classes are balanced only inside the training slice; validation and test keep the
  real fraud rate;
* features are point-in-time (fraud_jobs.features), so no row sees its future.

Balancing: the non-fraud majority is clustered with K-means (on the standardized model
features) and, from every cluster, a seeded random subset is kept -- a few rows at least,
the rest in proportion to the cluster's size. Small, unusual groups of legitimate
spending survive, which plain random undersampling tends to drop, and the forest sees the
majority's whole shape with a fraction of its rows.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from fraud_jobs.features import CATEGORICAL_COLUMNS, HISTORY_WINDOW_SECONDS, NUMERIC_FEATURES

if TYPE_CHECKING:
    from pyspark.ml import Pipeline
    from pyspark.sql import DataFrame, SparkSession

LABEL = "is_fraud"


@dataclass(frozen=True)
class TrainConfig:
    train_fraction: float = 0.7
    validation_fraction: float = 0.1  # the rest (0.2) is the test slice
    num_trees: int = 80
    max_depth: int = 10
    kmeans_k: int = 40
    kmeans_fit_rows: int = 30_000  # K-means is fitted on a sample of this size, applied to all
    kmeans_max_iter: int = 10
    majority_per_fraud: float = 10.0  # non-fraud rows kept per fraud row in the training slice
    min_per_cluster: int = 5
    seed: int = 42

    def validate(self) -> None:
        if not (self.train_fraction > 0 and self.validation_fraction > 0
                and self.train_fraction + self.validation_fraction < 1):
            raise ValueError(
                f"train fraction {self.train_fraction} + validation fraction {self.validation_fraction} "
                "must be positive and leave a test slice (sum below 1), e.g. 0.7 and 0.1"
            )
        if self.majority_per_fraud <= 0:
            raise ValueError(f"--majority-per-fraud {self.majority_per_fraud}: must be positive, e.g. 10")


# -- pipeline --------------------------------------------------------------------------------


def _encoders() -> list[Any]:
    from pyspark.ml.feature import OneHotEncoder, StringIndexer

    idx = [f"{c}_idx" for c in CATEGORICAL_COLUMNS]
    # Unseen categories at scoring time get their own index instead of failing the stream.
    return [
        StringIndexer(inputCols=CATEGORICAL_COLUMNS, outputCols=idx, handleInvalid="keep",
                      stringOrderType="alphabetAsc"),
        OneHotEncoder(inputCols=idx, outputCols=[f"{c}_vec" for c in CATEGORICAL_COLUMNS], handleInvalid="keep"),
    ]


def build_pipeline(config: TrainConfig) -> Pipeline:
    """StringIndexer -> OneHotEncoder -> VectorAssembler -> RandomForest."""
    from pyspark.ml import Pipeline
    from pyspark.ml.classification import RandomForestClassifier
    from pyspark.ml.feature import VectorAssembler

    assembler = VectorAssembler(
        inputCols=[f"{c}_vec" for c in CATEGORICAL_COLUMNS] + NUMERIC_FEATURES, outputCol="features"
    )
    forest = RandomForestClassifier(
        labelCol=LABEL, featuresCol="features", numTrees=config.num_trees, maxDepth=config.max_depth,
        seed=config.seed, featureSubsetStrategy="sqrt", minInstancesPerNode=2,
    )
    return Pipeline(stages=[*_encoders(), assembler, forest])


# -- split and balancing ---------------------------------------------------------------------


@dataclass(frozen=True)
class SplitBounds:
    start: int
    validation_start: int
    test_start: int
    end: int

    def as_dict(self) -> dict[str, Any]:
        def iso(t: int) -> str:
            return datetime.fromtimestamp(t, UTC).isoformat()

        return {
            "train": {"from": iso(self.start), "to_before": iso(self.validation_start)},
            "validation": {"from": iso(self.validation_start), "to_before": iso(self.test_start)},
            "test": {"from": iso(self.test_start), "to": iso(self.end)},
            "unix": asdict(self),
        }


def split_bounds(df: DataFrame, config: TrainConfig) -> SplitBounds:
    from pyspark.sql import functions as F

    cuts = df.approxQuantile(
        "unix_time", [config.train_fraction, config.train_fraction + config.validation_fraction], 0.0005
    )
    lo, hi = df.agg(F.min("unix_time"), F.max("unix_time")).first()
    return SplitBounds(int(lo), int(cuts[0]), int(cuts[1]), int(hi))


def time_split(df: DataFrame, b: SplitBounds) -> tuple[DataFrame, DataFrame, DataFrame]:
    from pyspark.sql import functions as F

    t = F.col("unix_time")
    return df.where(t < b.validation_start), df.where((t >= b.validation_start) & (t < b.test_start)), df.where(
        t >= b.test_start
    )


def cluster_quotas(sizes: dict[int, int], target: int, minimum: int) -> dict[int, int]:
    """Rows to keep per cluster: at least `minimum` (or the whole cluster), the rest by size."""
    total = sum(sizes.values())
    return {c: min(n, max(minimum, round(target * n / total))) for c, n in sizes.items()}


def kmeans_undersample(train: DataFrame, config: TrainConfig) -> tuple[DataFrame, dict[str, Any]]:
    """Fraud rows as they are, plus K-means representatives of the non-fraud rows."""
    from pyspark.ml import Pipeline
    from pyspark.ml.clustering import KMeans
    from pyspark.ml.feature import StandardScaler, VectorAssembler
    from pyspark.sql import functions as F

    fraud = train.where(F.col(LABEL) == 1)
    normal = train.where(F.col(LABEL) == 0)
    n_fraud, n_normal = fraud.count(), normal.count()
    if n_fraud == 0:
        raise ValueError("the training slice has no fraud rows: generate more data or a higher --fraud-rate")
    target = min(n_normal, int(n_fraud * config.majority_per_fraud))
    assembler = VectorAssembler(
        inputCols=[f"{c}_vec" for c in CATEGORICAL_COLUMNS] + NUMERIC_FEATURES, outputCol="_km_raw"
    )
    clustering = Pipeline(stages=[
        *_encoders(),
        assembler,
        StandardScaler(inputCol="_km_raw", outputCol="_km_vec", withMean=True, withStd=True),
        KMeans(k=config.kmeans_k, seed=config.seed, featuresCol="_km_vec", predictionCol="_cluster",
               maxIter=config.kmeans_max_iter),
    ])
    fit_rows = normal.sample(fraction=min(1.0, config.kmeans_fit_rows / max(n_normal, 1)), seed=config.seed)
    clusters = clustering.fit(fit_rows).transform(normal).select(*train.columns, "_cluster")
    sizes = {int(r["_cluster"]): int(r["count"]) for r in clusters.groupBy("_cluster").count().collect()}
    quotas = cluster_quotas(sizes, target, config.min_per_cluster)
    fractions = {c: min(1.0, quotas[c] / sizes[c]) for c in sizes}
    kept = clusters.sampleBy("_cluster", fractions, seed=config.seed).drop("_cluster")
    info = {"fraud_rows": n_fraud, "non_fraud_rows": n_normal, "non_fraud_target": target,
            "clusters": len(sizes), "smallest_cluster": min(sizes.values()), "largest_cluster": max(sizes.values())}
    return fraud.unionByName(kept), info


# -- the job ---------------------------------------------------------------------------------


@dataclass
class TrainResult:
    version: str
    path: Path
    metadata: dict[str, Any]
    seconds: float
    test_labels: np.ndarray
    test_scores: np.ndarray

    @property
    def test_metrics(self) -> dict[str, Any]:
        return self.metadata["metrics"]["test"]


def train_features(
    spark: SparkSession, feats: DataFrame, models_dir: str | Path, config: TrainConfig | None = None,
    progress: bool = True, source: str = "files",
) -> TrainResult:
    """Train on a DataFrame that already has every feature and the label; publish a version."""
    from pyspark import StorageLevel
    from tqdm import tqdm

    from fraud_jobs import model
    from fraud_jobs.evaluate import best_f1_threshold, binary_metrics, collect_scores

    config = config or TrainConfig()
    config.validate()
    started = time.perf_counter()
    steps = tqdm(total=6, desc="train", unit="step", disable=not progress)
    timings: dict[str, float] = {}
    last = [started]

    def step(name: str) -> None:
        now = time.perf_counter()
        timings[name] = round(now - last[0], 2)
        last[0] = now
        steps.set_postfix_str(name)
        steps.update(1)

    # Persist for the many passes below, unless the caller already did (then it owns it).
    owned = not feats.is_cached
    feats = feats.persist(StorageLevel.MEMORY_AND_DISK) if owned else feats
    bounds = split_bounds(feats, config)
    train, validation, test = time_split(feats, bounds)
    step("features and split")
    balanced, sampling = kmeans_undersample(train, config)
    balanced = balanced.persist(StorageLevel.MEMORY_AND_DISK)
    balanced_rows = balanced.count()
    step("k-means undersampling")
    fitted = build_pipeline(config).fit(balanced)
    step("random forest")
    candidate = model.LoadedModel(version="candidate", threshold=0.5, metadata={}, pipeline=fitted)
    y_val, p_val = collect_scores(candidate.score(validation))
    threshold = best_f1_threshold(y_val, p_val)
    step("threshold on validation")
    y_test, p_test = collect_scores(candidate.score(test))
    step("test metrics")
    version = model.new_version()
    metadata = {
        "version": version,
        "created_at": datetime.now(UTC).isoformat(),
        "source": source,
        "training_data": {
            **bounds.as_dict(),
            "rows": {"train": int(sampling["fraud_rows"] + sampling["non_fraud_rows"]), "validation": len(y_val),
                     "test": len(y_test), "balanced_train": balanced_rows},
        },
        "features": {"categorical": CATEGORICAL_COLUMNS, "numeric": NUMERIC_FEATURES,
                     "history_window_seconds": HISTORY_WINDOW_SECONDS},
        "params": {**asdict(config), "algorithm": "RandomForestClassifier", "sampling": sampling},
        "metrics": {"validation": binary_metrics(y_val, p_val, threshold),
                    "test": binary_metrics(y_test, p_test, threshold)},
        "threshold": threshold,
        "step_seconds": timings,
    }
    path = model.publish(models_dir, fitted, metadata, version)
    step("published")
    steps.close()
    balanced.unpersist()
    if owned:
        feats.unpersist()
    return TrainResult(version, path, metadata, time.perf_counter() - started, y_test, p_test)


def train_files(
    spark: SparkSession, customers_path: str | Path, transactions_path: str | Path, models_dir: str | Path,
    config: TrainConfig | None = None, progress: bool = True,
) -> TrainResult:
    from fraud_jobs.features import build_features
    from fraud_jobs.importer import read_customers, read_transactions

    feats = build_features(read_transactions(spark, transactions_path), read_customers(spark, customers_path))
    return train_features(spark, feats, models_dir, config, progress, source="files")


# -- reading the labelled history back from Cassandra ------------------------------------------


def read_cassandra(spark: SparkSession, keyspace: str, host: str = "127.0.0.1", port: int = 9042
                   ) -> tuple[DataFrame, DataFrame]:
    """(transactions, customers) from the imported tables, in the record schemas.

    There is no Spark 4 Cassandra connector, so the driver pages through the tables; a
    year of a few thousand cards is a few million rows, well within a driver's memory.
    """
    import pandas as pd

    from fraud_jobs.cassandra_io import connect
    from fraud_jobs.importer import spark_schema
    from fraud_jobs.schema import CUSTOMER_FIELDS, TRANSACTION_FIELDS, TRANSACTION_TABLES

    session = connect([host], port, keyspace)
    try:
        session.default_fetch_size = 10_000
        cust_cols = [n for n, _ in CUSTOMER_FIELDS]
        customers = pd.DataFrame(list(session.execute(f"SELECT {', '.join(cust_cols)} FROM customers")),
                                 columns=cust_cols)
        frames = []
        cql = ("SELECT cc_num, trans_num, toUnixTimestamp(trans_time) AS ms, category, amt, merchant, "
               "merch_lat, merch_long, is_fraud FROM {}")
        for table in TRANSACTION_TABLES:
            rows = list(session.execute(cql.format(table)))
            frames.append(pd.DataFrame(rows, columns=["cc_num", "trans_num", "ms", "category", "amt", "merchant",
                                                      "merch_lat", "merch_long", "is_fraud"]))
    finally:
        session.cluster.shutdown()
    tx = pd.concat(frames, ignore_index=True)
    if tx.empty:
        raise ValueError(f"keyspace {keyspace!r} has no imported transactions; run 'fraudctl import' first")
    tx["unix_time"] = (tx.pop("ms") // 1000).astype("int64")
    stamps = pd.to_datetime(tx["unix_time"], unit="s", utc=True)
    tx["trans_date"], tx["trans_time"] = stamps.dt.strftime("%Y-%m-%d"), stamps.dt.strftime("%H:%M:%S")
    names = customers.set_index("cc_num")[["first", "last"]]
    tx = tx.join(names, on="cc_num")
    tx["is_fraud"] = tx["is_fraud"].fillna(0).astype("int32")
    customers["dob"] = pd.to_datetime(customers["dob"].astype(str)).dt.date
    spark.conf.set("spark.sql.execution.arrow.pyspark.enabled", "true")
    tx_df = spark.createDataFrame(tx[[n for n, _ in TRANSACTION_FIELDS]], schema=spark_schema(TRANSACTION_FIELDS))
    cust_df = spark.createDataFrame(customers, schema=spark_schema(CUSTOMER_FIELDS))
    return tx_df, cust_df


def train_cassandra(
    spark: SparkSession, keyspace: str, models_dir: str | Path, host: str = "127.0.0.1", port: int = 9042,
    config: TrainConfig | None = None, progress: bool = True,
) -> TrainResult:
    from fraud_jobs.features import build_features

    tx, customers = read_cassandra(spark, keyspace, host, port)
    return train_features(spark, build_features(tx, customers), models_dir, config, progress,
                          source=f"cassandra:{keyspace}")
