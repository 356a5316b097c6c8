"""`fraudctl bench train`: generation, import and training throughput, and the Spark model's
test PR-AUC and wall time next to a scikit-learn RandomForest on the same features and split.

For each size: generate (rows/s), import into a fresh keyspace of the running Cassandra
(rows/s), compute the features once, train the Spark pipeline (wall time, test PR-AUC),
then train scikit-learn's RandomForestClassifier on the same feature rows of the same
time slices -- the whole training slice, class_weight="balanced_subsample" as a plain
baseline would -- with its threshold also chosen on the validation slice.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_SIZES = (100_000, 1_000_000)


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sizes", default=",".join(str(s) for s in DEFAULT_SIZES),
                        help="comma-separated transaction counts (default 100000,1000000)")
    parser.add_argument("--skip-import", action="store_true", help="do not measure the Cassandra import")
    parser.add_argument("--cassandra-host", default="127.0.0.1")
    parser.add_argument("--cassandra-port", type=int, default=9042)
    parser.add_argument("--workdir", default=None, help="where data and models go (default: a temp folder)")
    parser.add_argument("--num-trees", type=int, default=None, help="trees for both forests (default: training's)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.set_defaults(func=run)


def _customers_for(transactions: int) -> int:
    # About 1.2 purchases a day over the default half year, never fewer than 1,000 holders.
    return max(1000, transactions // 220)


def _sklearn_baseline(feats_pdf: Any, bounds: Any, config: Any) -> dict[str, Any]:
    import pandas as pd
    from sklearn.ensemble import RandomForestClassifier

    from fraud_jobs.evaluate import best_f1_threshold, binary_metrics
    from fraud_jobs.features import CATEGORICAL_COLUMNS, NUMERIC_FEATURES

    x = pd.get_dummies(feats_pdf[CATEGORICAL_COLUMNS + NUMERIC_FEATURES], columns=CATEGORICAL_COLUMNS, dtype=float)
    y = feats_pdf["is_fraud"].to_numpy()
    t = feats_pdf["unix_time"].to_numpy()
    train = t < bounds.validation_start
    val = (t >= bounds.validation_start) & (t < bounds.test_start)
    test = t >= bounds.test_start
    forest = RandomForestClassifier(
        n_estimators=config.num_trees, max_depth=config.max_depth, max_features="sqrt", min_samples_leaf=2,
        class_weight="balanced_subsample", n_jobs=2, random_state=config.seed,
    )
    started = time.perf_counter()
    forest.fit(x[train], y[train])
    fit_seconds = time.perf_counter() - started
    threshold = best_f1_threshold(y[val], forest.predict_proba(x[val])[:, 1])
    metrics = binary_metrics(y[test], forest.predict_proba(x[test])[:, 1], threshold)
    return {"train_seconds": round(fit_seconds, 2), "train_rows": int(train.sum()), "test": metrics}


def bench_size(spark: Any, n: int, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    from pyspark import StorageLevel

    from fraud_jobs.features import build_features, feature_columns
    from fraud_jobs.generate import GeneratorConfig, generate
    from fraud_jobs.importer import import_files, read_customers, read_transactions
    from fraud_jobs.schema import schema_statements
    from fraud_jobs.train import TrainConfig, split_bounds, train_features

    out: dict[str, Any] = {"transactions_requested": n}
    data = workdir / f"data-{n}"
    gen = generate(GeneratorConfig(customers=_customers_for(n), transactions=n), data, "parquet", progress=False)
    out["generate"] = {"rows": gen.transactions, "seconds": round(gen.seconds, 2),
                       "rows_per_second": round(gen.rows_per_second), "fraud_rate": round(gen.fraud_rate, 5)}
    if not args.skip_import:
        from fraud_jobs.cassandra_io import connect

        keyspace = f"bench_{uuid.uuid4().hex[:8]}"
        session = connect([args.cassandra_host], args.cassandra_port, timeout=60)
        try:
            for statement in schema_statements(keyspace):
                session.execute(statement, timeout=60)
            imported = import_files(spark, gen.customers_path, gen.transactions_path, keyspace,
                                    args.cassandra_host, args.cassandra_port)
            out["import"] = imported.as_dict()
        finally:
            session.execute(f"DROP KEYSPACE IF EXISTS {keyspace}", timeout=120)
            session.cluster.shutdown()
    config = TrainConfig() if args.num_trees is None else TrainConfig(num_trees=args.num_trees)
    started = time.perf_counter()
    feats = build_features(read_transactions(spark, gen.transactions_path),
                           read_customers(spark, gen.customers_path)).persist(StorageLevel.MEMORY_AND_DISK)
    feats.count()
    feature_seconds = time.perf_counter() - started
    result = train_features(spark, feats, workdir / f"models-{n}", config, progress=False)
    spark_seconds = feature_seconds + result.seconds
    out["spark"] = {"feature_seconds": round(feature_seconds, 2), "train_seconds": round(result.seconds, 2),
                    "wall_seconds": round(spark_seconds, 2), "test": result.test_metrics,
                    "balanced_train_rows": result.metadata["training_data"]["rows"]["balanced_train"]}
    bounds = split_bounds(feats, config)
    pdf = feats.select("unix_time", "is_fraud", *feature_columns()).toPandas()
    feats.unpersist()
    baseline = _sklearn_baseline(pdf, bounds, config)
    out["sklearn"] = baseline
    # The baseline gets the feature rows for free; compare model fitting with model fitting too.
    out["ratios"] = {
        "sklearn_over_spark_pr_auc": _ratio(baseline["test"]["pr_auc"], result.test_metrics["pr_auc"]),
        "spark_over_sklearn_train_seconds": _ratio(result.seconds, baseline["train_seconds"]),
    }
    return out


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def human(results: list[dict[str, Any]]) -> str:
    lines = []
    for r in results:
        g, s, k = r["generate"], r["spark"], r["sklearn"]
        lines.append(f"{g['rows']:,} transactions ({g['fraud_rate']:.2%} fraud)")
        lines.append(f"  generate   {g['rows_per_second']:>12,.0f} rows/s")
        if "import" in r:
            lines.append(f"  import     {r['import']['rows_per_second']:>12,.0f} rows/s into Cassandra "
                         f"({r['import']['seconds']:.0f}s)")
        lines.append(f"  spark      features {s['feature_seconds']:.0f}s + training {s['train_seconds']:.0f}s "
                     f"(on {s['balanced_train_rows']:,} K-means-balanced rows)   test PR-AUC {s['test']['pr_auc']:.4f}"
                     f"  ROC-AUC {s['test']['roc_auc']:.4f}")
        lines.append(f"  sklearn RF fit {k['train_seconds']:.0f}s on {k['train_rows']:,} rows"
                     f"                 test PR-AUC {k['test']['pr_auc']:.4f}  ROC-AUC {k['test']['roc_auc']:.4f}")
        ratios = r["ratios"]
        lines.append(f"  ratios     PR-AUC sklearn/spark {ratios['sklearn_over_spark_pr_auc']}   "
                     f"train time spark/sklearn {ratios['spark_over_sklearn_train_seconds']}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from fraud_jobs.spark_session import get_spark

    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        print(f"fraudctl bench train: --sizes {args.sizes!r} must be comma-separated integers, e.g. 100000,1000000")
        return 2
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="bench-train-"))
    spark = get_spark("fraud-bench-train", kafka=False)
    results = []
    try:
        for n in sizes:
            results.append(bench_size(spark, n, args, workdir))
            if not args.json:
                print(human(results[-1:]), flush=True)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        print(json.dumps({"train": results}, indent=2, default=_json_default))
    return 0


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")
