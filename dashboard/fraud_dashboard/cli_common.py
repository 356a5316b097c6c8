"""Flags `fraudctl api` and `fraudctl dashboard` share: where Cassandra is."""

from __future__ import annotations

import argparse
import os

from fraud_dashboard.config import (
    DEFAULT_PORT,
    ENV_HOSTS,
    ENV_KEYSPACE,
    ENV_PORT,
    CassandraConfig,
    parse_hosts,
)
from fraud_jobs.schema import KEYSPACE


def add_cassandra_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("Cassandra")
    group.add_argument(
        "--cassandra-host",
        default=os.environ.get(ENV_HOSTS, "127.0.0.1"),
        help=f"contact points, comma-separated (env {ENV_HOSTS}; default %(default)s)",
    )
    group.add_argument(
        "--cassandra-port",
        type=int,
        default=int(os.environ.get(ENV_PORT, DEFAULT_PORT)),
        help=f"CQL port (env {ENV_PORT}; default %(default)s)",
    )
    group.add_argument(
        "--keyspace",
        default=os.environ.get(ENV_KEYSPACE, KEYSPACE),
        help=f"keyspace to read (env {ENV_KEYSPACE}; default %(default)s)",
    )


def cassandra_config(args: argparse.Namespace) -> CassandraConfig:
    return CassandraConfig(hosts=parse_hosts(args.cassandra_host), port=args.cassandra_port, keyspace=args.keyspace)
