"""`fraudctl train`: train the fraud model and publish a model version."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from fraud_jobs.cli.importer import add_cassandra_options


def register(parser: argparse.ArgumentParser) -> None:
    from fraud_jobs.train import TrainConfig

    d = TrainConfig()
    parser.add_argument("--customers", help="customers file; with --transactions, train from files")
    parser.add_argument("--transactions", help="transactions file; without both, read the imported Cassandra tables")
    add_cassandra_options(parser)
    models = os.environ.get("FRAUD_MODEL_PATH") or os.environ.get("FRAUD_MODELS_DIR") or "models"
    parser.add_argument("--models-dir", default=models,
                        help="models root; the new version goes under it (default $FRAUD_MODEL_PATH or models)")
    parser.add_argument("--report-dir", default=None,
                        help="where to write metrics.json, report.txt, pr_curve.png (default: the model version)")
    parser.add_argument("--num-trees", type=int, default=d.num_trees)
    parser.add_argument("--max-depth", type=int, default=d.max_depth)
    parser.add_argument("--kmeans-k", type=int, default=d.kmeans_k, help="clusters of the non-fraud class")
    parser.add_argument("--majority-per-fraud", type=float, default=d.majority_per_fraud,
                        help="non-fraud rows kept per fraud row in the training slice")
    parser.add_argument("--train-fraction", type=float, default=d.train_fraction)
    parser.add_argument("--validation-fraction", type=float, default=d.validation_fraction)
    parser.add_argument("--seed", type=int, default=d.seed)
    parser.add_argument("--master", default=None, help="Spark master (default: local[2] or the operator's)")
    parser.add_argument("--json", action="store_true", help="print the model metadata as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from fraud_jobs.evaluate import human_report, write_report
    from fraud_jobs.spark_session import get_spark
    from fraud_jobs.train import TrainConfig, train_cassandra, train_files

    if bool(args.customers) != bool(args.transactions):
        print("fraudctl train: give both --customers and --transactions (files), or neither (Cassandra)")
        return 2
    config = TrainConfig(
        train_fraction=args.train_fraction, validation_fraction=args.validation_fraction,
        num_trees=args.num_trees, max_depth=args.max_depth, kmeans_k=args.kmeans_k,
        majority_per_fraud=args.majority_per_fraud, seed=args.seed,
    )
    spark = get_spark("fraud-train", args.master, kafka=False)
    try:
        if args.customers:
            result = train_files(spark, args.customers, args.transactions, args.models_dir, config,
                                 progress=not args.json)
        else:
            result = train_cassandra(spark, args.keyspace, args.models_dir, args.cassandra_host,
                                     args.cassandra_port, config, progress=not args.json)
    except (FileNotFoundError, ValueError, ConnectionError) as err:
        print(f"fraudctl train: {err}")
        return 2
    report_dir = Path(args.report_dir) if args.report_dir else result.path
    write_report(report_dir, result.test_metrics, result.test_labels, result.test_scores,
                 f"test slice, model {result.version}")
    if args.json:
        print(json.dumps(result.metadata, indent=2, sort_keys=True))
    else:
        print(f"model {result.version} saved to {result.path} in {result.seconds:.0f}s "
              f"(threshold {result.metadata['threshold']:.4f}, chosen on the validation slice)")
        print(human_report(result.test_metrics, "test slice (later transactions)"))
        print(f"report and precision-recall curve in {report_dir}")
    return 0
