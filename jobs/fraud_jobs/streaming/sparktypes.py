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


def arrow_schema(fields: tuple[tuple[str, str], ...]):
    import pyarrow as pa

    kinds = {
        "string": pa.string(),
        "double": pa.float64(),
        "int": pa.int32(),
        "long": pa.int64(),
        "date": pa.date32(),
        "timestamp": pa.timestamp("us", tz="UTC"),
    }
    return pa.schema([pa.field(name, kinds[kind]) for name, kind in fields])


def local_frame(spark, rows: list[tuple], fields: tuple[tuple[str, str], ...]):
    """A DataFrame of driver-side rows, via Arrow.

    ``createDataFrame(list)`` ships pickled rows through Python workers when the plan runs;
    an Arrow table becomes a local relation in the JVM directly, which is several times
    cheaper for the few thousand rows of a micro-batch.
    """
    import pyarrow as pa

    schema = arrow_schema(fields)
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in fields]
    table = pa.Table.from_arrays(
        [pa.array(col, type=f.type) for col, f in zip(columns, schema, strict=True)], schema=schema
    )
    return spark.createDataFrame(table)
