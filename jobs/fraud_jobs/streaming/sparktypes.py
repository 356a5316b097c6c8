"""Spark schemas built from fraud_jobs.schema's logical types (imported lazily: pyspark)."""

from __future__ import annotations

from fraud_jobs.schema import CUSTOMER_FIELDS, TRANSACTION_FIELDS


def struct(fields: tuple[tuple[str, str], ...]):
    from pyspark.sql import types as T

    kinds = {
        "string": T.StringType(),
        "double": T.DoubleType(),
        "int": T.IntegerType(),
        "long": T.LongType(),
        "date": T.DateType(),
        "timestamp": T.TimestampType(),
    }
    return T.StructType([T.StructField(name, kinds[kind], True) for name, kind in fields])


def transaction_schema():
    return struct(TRANSACTION_FIELDS)


def customer_schema():
    return struct(CUSTOMER_FIELDS)
