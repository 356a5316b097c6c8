"""One local SparkSession per test run (Spark's testing guide: share it, never stop it per test).

Fixture:
  spark  session  local[2] SparkSession with the Kafka connector at the pyspark version
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def spark():
    from fraud_jobs.spark_session import get_spark

    session = get_spark("fraud-tests", extra_conf={"spark.sql.shuffle.partitions": "2"})
    yield session
    session.stop()
