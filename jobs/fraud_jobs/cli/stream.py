"""`fraudctl stream`: the streaming scoring job (also the streaming SparkApplication's entry point)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import threading

from fraud_jobs.schema import KEYSPACE, TOPIC


def register(parser: argparse.ArgumentParser) -> None:
    env = os.environ.get
    parser.add_argument(
        "--models-dir",
        default=env("FRAUD_MODELS_DIR", "models"),
        help="models root with LATEST and version folders (default: %(default)s)",
    )
    parser.add_argument("--model-version", default=None, help="pin one version instead of following LATEST")
    parser.add_argument("--bootstrap", default=env("FRAUD_KAFKA_BOOTSTRAP", "127.0.0.1:9092"))
    parser.add_argument("--topic", default=TOPIC)
    parser.add_argument("--cassandra-host", default=env("FRAUD_CASSANDRA_HOST", "127.0.0.1"))
    parser.add_argument("--cassandra-port", type=int, default=int(env("FRAUD_CASSANDRA_PORT", "9042")))
    parser.add_argument("--keyspace", default=env("FRAUD_KEYSPACE", KEYSPACE))
    parser.add_argument(
        "--consumer",
        default="fraud-stream",
        help="name under which offsets are kept in kafka_offset (default: %(default)s)",
    )
    parser.add_argument(
        "--checkpoint-dir",
        default=env("FRAUD_CHECKPOINT_DIR"),
        help="Spark checkpoint folder (optional: offsets are resumed from Cassandra)",
    )
    parser.add_argument(
        "--trigger-ms",
        type=int,
        default=0,
        help="micro-batch interval; 0 starts each batch when the previous ends (default)",
    )
    parser.add_argument("--max-offsets-per-trigger", type=int, default=20_000)
    parser.add_argument(
        "--customer-refresh-s",
        type=float,
        default=300.0,
        help="reload the customer table this often (default: %(default)s)",
    )
    parser.add_argument("--master", default=env("SPARK_MASTER"), help="Spark master (default: local mode)")
    parser.add_argument("--log-level", default="INFO")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from fraud_jobs.stream import StreamConfig
    from fraud_jobs.stream import run as run_stream

    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("cassandra").setLevel(logging.WARNING)
    logging.getLogger("kafka").setLevel(logging.WARNING)
    cfg = StreamConfig(
        models_dir=args.models_dir,
        model_version=args.model_version,
        bootstrap=args.bootstrap,
        topic=args.topic,
        cassandra_host=args.cassandra_host,
        cassandra_port=args.cassandra_port,
        keyspace=args.keyspace,
        consumer=args.consumer,
        checkpoint_dir=args.checkpoint_dir,
        trigger_ms=args.trigger_ms,
        max_offsets_per_trigger=args.max_offsets_per_trigger,
        customer_refresh_s=args.customer_refresh_s,
        master=args.master,
    )
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        stats = run_stream(cfg, stop)
    except (FileNotFoundError, ConnectionError) as exc:  # no model / no Cassandra: the message says what to do
        logging.error("%s", exc)
        return 2
    print(
        json.dumps(
            {
                "batches": stats.batches,
                "messages": stats.messages,
                "stored": stats.scored,
                "dead_lettered": stats.dead_lettered,
                "dead_letter_reasons": dict(stats.reasons),
                "by_model_version": dict(stats.by_version),
            }
        )
    )
    return 0
