"""`fraudctl generate`: realistic customers and transactions as CSV, CSV.gz or Parquet."""

from __future__ import annotations

import argparse
import json
from datetime import date


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default="data", help="output folder (default: data)")
    parser.add_argument("--format", default="csv", choices=("csv", "csv.gz", "parquet"), help="file format")
    parser.add_argument("--customers", type=int, default=1000, help="number of card holders (default 1000)")
    parser.add_argument("--days", type=int, default=182, help="days of history (default 182, about 6 months)")
    parser.add_argument("--start", type=date.fromisoformat, default=date(2025, 1, 1),
                        help="first day, YYYY-MM-DD (default 2025-01-01)")
    parser.add_argument("--transactions", type=int, default=None,
                        help="target number of transactions (default: what the spending rates give, ~220k)")
    parser.add_argument("--fraud-rate", type=float, default=0.007, help="share of fraud (default 0.007)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (same seed, same data)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from fraud_jobs.generate import GeneratorConfig, generate

    config = GeneratorConfig(
        customers=args.customers, days=args.days, start=args.start, transactions=args.transactions,
        fraud_rate=args.fraud_rate, seed=args.seed,
    )
    try:
        result = generate(config, args.out, args.format, progress=not args.quiet and not args.json)
    except ValueError as err:
        print(f"fraudctl generate: {err}")
        return 2
    if args.json:
        print(json.dumps(result.as_dict(), indent=2))
    else:
        print(f"wrote {result.customers:,} customers to {result.customers_path}")
        print(
            f"wrote {result.transactions:,} transactions ({result.frauds:,} fraud, {result.fraud_rate:.2%}) "
            f"to {result.transactions_path} in {result.seconds:.1f}s ({result.rows_per_second:,.0f} rows/s)"
        )
    return 0
