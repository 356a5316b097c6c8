"""`fraudctl evaluate`: score any labelled dataset with a saved model and print the metrics."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, help="a model version folder, or a models root (uses LATEST)")
    parser.add_argument("--version", default=None, help="a version under a models root (default LATEST)")
    parser.add_argument("--customers", required=True, help="customers file (.csv, .csv.gz or .parquet)")
    parser.add_argument("--transactions", required=True, help="labelled transactions file")
    parser.add_argument("--report-dir", default=None, help="also write metrics.json, report.txt, pr_curve.png")
    parser.add_argument("--master", default=None, help="Spark master (default local[2])")
    parser.add_argument("--json", action="store_true", help="print the metrics as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from fraud_jobs.evaluate import evaluate_files, human_report, write_report
    from fraud_jobs.spark_session import get_spark

    spark = get_spark("fraud-evaluate", args.master, kafka=False)
    try:
        metrics, y, p, version = evaluate_files(spark, args.model, args.customers, args.transactions, args.version)
    except (FileNotFoundError, ValueError) as err:
        print(f"fraudctl evaluate: {err}")
        return 2
    metrics = {"model_version": version, **metrics}
    if args.report_dir:
        # The plot title holds the file name only, so it fits the figure.
        write_report(args.report_dir, metrics, y, p, f"{Path(args.transactions).name}, {version}")
    if args.json:
        print(json.dumps(metrics, indent=2, sort_keys=True))
    else:
        print(human_report(metrics, f"{args.transactions} scored by model {version}"))
    return 0
