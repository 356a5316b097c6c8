"""Import job (Spark SQL): customer and transaction files -> Cassandra.

Reads customers and transactions in the schema of fraud_jobs.schema from CSV, gzipped CSV
or Parquet, computes each transaction's ``age`` (at the transaction date) and ``distance``
(haversine km, home to merchant) with the same feature code the model uses, and writes
customers to ``customers`` and the labelled history to ``fraud_transaction`` and
``non_fraud_transaction``. Every table's primary key comes from the data (cc_num;
cc_num + trans_time + trans_num), so importing twice rewrites the same rows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fraud_jobs.schema import CUSTOMER_FIELDS, TRANSACTION_FIELDS

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

SPARK_TYPES = {"string": "string", "double": "double", "int": "int", "long": "bigint", "date": "date",
               "timestamp": "timestamp"}

# What an imported transaction row holds in Cassandra. Scoring columns (fraud_probability,
# model_version, kafka_*) stay unset: no tombstones, and a re-import rewrites identical rows.
IMPORT_TRANSACTION_COLUMNS = [
    "cc_num", "trans_time", "trans_num", "category", "merchant", "amt", "merch_lat", "merch_long",
    "distance", "age", "is_fraud", "source",
]
SOURCE = "import"


def spark_schema(fields: tuple[tuple[str, str], ...]) -> StructType:
    from pyspark.sql.types import StructType

    return StructType.fromDDL(", ".join(f"`{name}` {SPARK_TYPES[kind]}" for name, kind in fields))


def file_format(path: str | Path) -> str:
    """'csv' or 'parquet' from a file or folder name (.csv, .csv.gz, .parquet)."""
    name = str(path).rstrip("/").lower()
    if name.endswith((".csv", ".csv.gz")):
        return "csv"
    if name.endswith(".parquet") or (Path(path).is_dir() and any(Path(path).glob("*.parquet"))):
        return "parquet"
    raise ValueError(f"cannot tell the format of {path!s}: name it *.csv, *.csv.gz or *.parquet")


def read_records(spark: SparkSession, path: str | Path, fields: tuple[tuple[str, str], ...]) -> DataFrame:
    """Read a file in one of the record schemas, with exactly its columns and types."""
    from pyspark.sql import functions as F

    if not Path(path).exists():
        raise FileNotFoundError(f"no such file: {path}; generate one with 'fraudctl generate --out DIR'")
    schema = spark_schema(fields)
    if file_format(path) == "csv":
        df = spark.read.csv(str(path), header=True, schema=schema, mode="FAILFAST")
    else:
        df = spark.read.parquet(str(path))
        missing = [name for name, _ in fields if name not in df.columns]
        if missing:
            raise ValueError(f"{path} lacks the columns {', '.join(missing)} of the record schema")
    return df.select(*[F.col(f.name).cast(f.dataType).alias(f.name) for f in schema.fields])


def read_customers(spark: SparkSession, path: str | Path) -> DataFrame:
    return read_records(spark, path, CUSTOMER_FIELDS)


def read_transactions(spark: SparkSession, path: str | Path) -> DataFrame:
    return read_records(spark, path, TRANSACTION_FIELDS)


def transaction_rows(tx: DataFrame, customers: DataFrame) -> DataFrame:
    """Transactions as Cassandra rows: age and distance added, trans_time in epoch millis
    (the driver writes an int as UTC millis, independent of any local time zone)."""
    from pyspark.sql import functions as F

    from fraud_jobs.features import with_customer_features

    enriched = with_customer_features(tx, customers)
    return enriched.select(
        "cc_num",
        (F.col("unix_time") * 1000).alias("trans_time"),
        "trans_num", "category", "merchant", "amt", "merch_lat", "merch_long",
        F.round("distance", 3).alias("distance"),
        "age",
        F.coalesce(F.col("is_fraud"), F.lit(0)).cast("int").alias("is_fraud"),
        F.lit(SOURCE).alias("source"),
    )


@dataclass
class ImportResult:
    customers: int
    fraud: int
    non_fraud: int
    unknown_cards: int
    seconds: float

    @property
    def transactions(self) -> int:
        return self.fraud + self.non_fraud

    def as_dict(self) -> dict[str, Any]:
        return {
            "customers": self.customers,
            "fraud_transactions": self.fraud,
            "non_fraud_transactions": self.non_fraud,
            "transactions_without_customer": self.unknown_cards,
            "seconds": round(self.seconds, 2),
            "rows_per_second": round((self.customers + self.transactions) / max(self.seconds, 1e-9), 1),
        }


def import_files(
    spark: SparkSession,
    customers_path: str | Path,
    transactions_path: str | Path,
    keyspace: str,
    host: str = "127.0.0.1",
    port: int = 9042,
    concurrency: int = 64,
) -> ImportResult:
    """Read both files and write them to Cassandra; safe to run twice."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    from fraud_jobs.cassandra_io import write_dataframe

    started = time.perf_counter()
    customers = read_customers(spark, customers_path).dropDuplicates(["cc_num"]).persist()
    tx = read_transactions(spark, transactions_path)
    # A single input file is a single partition: spread the writes over every core.
    writers = max(2, spark.sparkContext.defaultParallelism)
    rows = transaction_rows(tx, customers).repartition(writers).persist(StorageLevel.MEMORY_AND_DISK)
    unknown = tx.join(customers.select("cc_num"), "cc_num", "left_anti").count()
    customer_columns = [name for name, _ in CUSTOMER_FIELDS]
    n_customers = write_dataframe(customers, keyspace, "customers", customer_columns, host, port,
                                  concurrency=concurrency)
    counts = {}
    for table, label in (("fraud_transaction", 1), ("non_fraud_transaction", 0)):
        part = rows.where(F.col("is_fraud") == label)
        counts[table] = write_dataframe(part, keyspace, table, IMPORT_TRANSACTION_COLUMNS, host, port,
                                        concurrency=concurrency)
    rows.unpersist()
    customers.unpersist()
    return ImportResult(
        customers=n_customers,
        fraud=counts["fraud_transaction"],
        non_fraud=counts["non_fraud_transaction"],
        unknown_cards=unknown,
        seconds=time.perf_counter() - started,
    )
