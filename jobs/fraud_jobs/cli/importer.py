"""`fraudctl import`: Spark SQL import of customer and transaction files into Cassandra."""

from __future__ import annotations

import argparse
import json
import os

from fraud_jobs.schema import KEYSPACE

# In a SparkApplication the operator passes only the command; settings come from FRAUD_*.


def add_cassandra_options(parser: argparse.ArgumentParser) -> None:
    env = os.environ.get
    parser.add_argument("--keyspace", default=env("FRAUD_KEYSPACE", KEYSPACE),
                        help=f"Cassandra keyspace (default $FRAUD_KEYSPACE or {KEYSPACE})")
    parser.add_argument("--cassandra-host", default=env("FRAUD_CASSANDRA_HOST", "127.0.0.1"),
                        help="Cassandra contact point (default $FRAUD_CASSANDRA_HOST or 127.0.0.1)")
    parser.add_argument("--cassandra-port", type=int, default=int(env("FRAUD_CASSANDRA_PORT", "9042")),
                        help="Cassandra CQL port (default $FRAUD_CASSANDRA_PORT or 9042)")


def register(parser: argparse.ArgumentParser) -> None:
    env = os.environ.get
    parser.add_argument("--customers", default=env("FRAUD_CUSTOMERS"),
                        help="customers file (.csv, .csv.gz or .parquet; default $FRAUD_CUSTOMERS)")
    parser.add_argument("--transactions", default=env("FRAUD_TRANSACTIONS"),
                        help="transactions file (.csv, .csv.gz or .parquet; default $FRAUD_TRANSACTIONS)")
    add_cassandra_options(parser)
    parser.add_argument("--concurrency", type=int, default=64, help="Cassandra writes in flight per task")
    parser.add_argument("--master", default=None, help="Spark master (default: local[2] or the operator's)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from fraud_jobs.importer import import_files
    from fraud_jobs.spark_session import get_spark

    if not args.customers or not args.transactions:
        print("fraudctl import: give --customers FILE and --transactions FILE "
              "(or set FRAUD_CUSTOMERS and FRAUD_TRANSACTIONS)")
        return 2
    spark = get_spark("fraud-import", args.master, kafka=False)
    try:
        result = import_files(spark, args.customers, args.transactions, args.keyspace, args.cassandra_host,
                              args.cassandra_port, args.concurrency)
    except (FileNotFoundError, ValueError, ConnectionError) as err:
        print(f"fraudctl import: {err}")
        return 2
    if args.json:
        print(json.dumps(result.as_dict(), indent=2))
    else:
        d = result.as_dict()
        print(f"imported {d['customers']:,} customers, {d['fraud_transactions']:,} fraud and "
              f"{d['non_fraud_transactions']:,} non-fraud transactions into {args.keyspace} "
              f"in {d['seconds']:.1f}s ({d['rows_per_second']:,.0f} rows/s)")
        if result.unknown_cards:
            print(f"skipped {result.unknown_cards:,} transactions whose cc_num has no customer record")
    return 0
