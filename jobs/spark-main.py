"""Spark's main application file for every job of the jobs image: the Spark operator runs
`spark-submit /opt/fraud-platform/fraudctl.py <command> ...` and this hands the arguments to
`fraudctl`, so a SparkApplication runs exactly what `fraudctl <command>` runs locally."""

import sys

from fraud_jobs.cli.main import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
