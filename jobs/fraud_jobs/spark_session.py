"""One place that knows how to build a SparkSession for this platform.

Locally: ``local[2]`` sized for a laptop, the Kafka connector at exactly the installed pyspark
version resolved from Maven Central into an Ivy cache outside the checkout. On Kubernetes
the Spark operator passes master and resources; the same builder only adds what is missing.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from fraud_jobs import versions

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def ivy_dir() -> str:
    return str(versions.cache_dir() / "ivy")


def get_spark(app_name: str, master: str | None = None, kafka: bool = True,
              extra_conf: dict[str, str] | None = None) -> SparkSession:
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(app_name)
    master = master or os.environ.get("SPARK_MASTER")
    if master:
        builder = builder.master(master)
    elif "SPARK_HOME" not in os.environ and "KUBERNETES_SERVICE_HOST" not in os.environ:
        master = "local[2]"
        builder = builder.master(master)
    if master and master.startswith("local"):
        # Local mode talks to itself only: bind to loopback (and skip the hostname warning).
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # Python workers must be this interpreter (the venv with our packages), not whatever
    # `python3` is first on PATH.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    conf = {
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": os.environ.get("FRAUD_SHUFFLE_PARTITIONS", "4"),
        "spark.default.parallelism": "4",
        "spark.ui.enabled": os.environ.get("FRAUD_SPARK_UI", "false"),
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.memory": os.environ.get("FRAUD_SPARK_DRIVER_MEMORY", "3g"),
        "spark.sql.adaptive.enabled": "true",
        "spark.jars.ivy": ivy_dir(),
        # Python workers are reused across tasks: cassandra-driver sessions stay warm.
        "spark.python.worker.reuse": "true",
    }
    if kafka:
        conf["spark.jars.packages"] = versions.spark_kafka_package()
    conf.update(extra_conf or {})
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel(os.environ.get("FRAUD_SPARK_LOG_LEVEL", "WARN"))
    return spark
