"""`fraudctl produce`: send transactions to Kafka at a steady rate."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading

from fraud_jobs.schema import KEYSPACE, TOPIC


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bootstrap",
        default=os.environ.get("FRAUD_KAFKA_BOOTSTRAP", "127.0.0.1:9092"),
        help="Kafka bootstrap servers (default: %(default)s, env FRAUD_KAFKA_BOOTSTRAP)",
    )
    parser.add_argument("--topic", default=TOPIC, help="topic (default: %(default)s)")
    parser.add_argument("--rate", type=float, default=100.0, help="transactions per second, held steady")
    parser.add_argument(
        "--count", type=int, default=None, help="stop after this many (default: until Ctrl-C)"
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--file", help="pick transactions at random from this CSV/Parquet/JSON-lines file")
    source.add_argument("--customers-file", help="generate transactions for the customers in this file")
    parser.add_argument(
        "--cassandra-host",
        default=os.environ.get("FRAUD_CASSANDRA_HOST", "127.0.0.1"),
        help="without --file/--customers-file, generate for the customers stored here",
    )
    parser.add_argument(
        "--cassandra-port", type=int, default=int(os.environ.get("FRAUD_CASSANDRA_PORT", 9042))
    )
    parser.add_argument("--keyspace", default=KEYSPACE)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--json", action="store_true", help="print the delivery statistics as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from fraud_jobs import produce

    if args.rate <= 0:
        raise SystemExit(f"--rate must be positive, got {args.rate}")
    try:
        records = _records(args)
        producer = produce.make_producer(args.bootstrap)
    except (produce.KafkaUnreachable, FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    messages = (produce.encode(tx) for tx in records)
    try:
        stats = produce.send(
            producer,
            messages,
            args.topic,
            args.rate,
            args.count,
            stop,
            progress=not args.json and sys.stderr.isatty(),
        )
    except KeyboardInterrupt:
        stop.set()
        producer.flush()
        stats = None
    finally:
        producer.close()
    if stats is None:
        return 130
    summary = stats.summary()
    if args.json:
        print(json.dumps(summary))
    else:
        print(
            f"sent {summary['sent']}, delivered {summary['acked']}, failed {summary['failed']} "
            f"in {summary['elapsed_s']} s ({summary['rate_tps']} tx/s); per partition "
            f"{summary['per_partition']}; ack latency p50 {summary['ack_p50_ms']} ms, "
            f"p99 {summary['ack_p99_ms']} ms"
        )
        if summary["errors"]:
            print(f"delivery errors: {summary['errors']}", file=sys.stderr)
    return 0 if summary["failed"] == 0 else 1


def _records(args: argparse.Namespace):
    from fraud_jobs import produce

    if args.file:
        return produce.from_file(produce.load_transactions(args.file), args.seed)
    if args.customers_file:
        return produce.generated(produce.load_transactions(args.customers_file), args.seed)
    return produce.generated(_stored_customers(args), args.seed)


def _stored_customers(args: argparse.Namespace) -> list[dict]:
    from fraud_jobs.streaming.customers import fetch_customers

    try:
        customers = fetch_customers(args.cassandra_host, args.cassandra_port, args.keyspace)
    except Exception as exc:
        raise ValueError(
            f"cannot read customers from Cassandra at {args.cassandra_host}:{args.cassandra_port} "
            f"keyspace {args.keyspace!r} ({exc}); import them first or pass --file / --customers-file"
        ) from None
    if not customers:
        raise ValueError(f"no customers in {args.keyspace}.customers; run `fraudctl import` first")
    return list(customers.values())
