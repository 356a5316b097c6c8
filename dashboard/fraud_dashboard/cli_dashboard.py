"""`fraudctl dashboard`: serve the Streamlit dashboard."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from fraud_dashboard.cli_common import add_cassandra_args, cassandra_config

APP = Path(__file__).with_name("app.py")


def register(parser: argparse.ArgumentParser) -> None:
    # All interfaces by default: in a Pod the Service reaches the container from outside.
    parser.add_argument("--host", default="0.0.0.0", help="address to listen on (default %(default)s)")
    parser.add_argument("--port", type=int, default=8501, help="port to listen on (default %(default)s)")
    add_cassandra_args(parser)
    parser.set_defaults(func=run)


def streamlit_args(host: str, port: int) -> list[str]:
    return [
        "run",
        str(APP),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--server.runOnSave",
        "false",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",
        "--global.developmentMode",
        "false",
    ]


def run(args: argparse.Namespace) -> int:
    from streamlit.web import cli as streamlit_cli

    # The app reads its Cassandra settings from the environment (fraud_dashboard.config).
    os.environ.update(cassandra_config(args).as_env())
    streamlit_cli.main(streamlit_args(args.host, args.port), prog_name="streamlit", standalone_mode=False)
    return 0
