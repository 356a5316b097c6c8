"""`fraudctl`: one CLI for the whole platform.

Subcommands live in the module of the component that owns them and are imported only
when chosen, so `fraudctl --help` is instant and an image with one extra installed can
still run its own commands. A subcommand module exposes::

    def register(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(...)
        parser.set_defaults(func=run)      # run(args) -> int | None

Keep module top-levels light: import pyspark, kopf, streamlit ... inside ``run``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# name -> (module, one-line help). Order is the order shown in --help.
COMMANDS: dict[str, tuple[str, str]] = {
    "local": ("fraud_jobs.cli.local", "run real Kafka and Cassandra as local processes (up/status/down/logs)"),
    "generate": ("fraud_jobs.cli.generate", "generate realistic customers and transactions"),
    "import": ("fraud_jobs.cli.importer", "Spark SQL import of customers and transactions into Cassandra"),
    "train": ("fraud_jobs.cli.train", "train the fraud model (Spark ML) and save a model version"),
    "evaluate": ("fraud_jobs.cli.evaluate", "score a dataset with a saved model and print the metrics"),
    "produce": ("fraud_jobs.cli.produce", "send transactions to Kafka at a steady rate"),
    "stream": ("fraud_jobs.cli.stream", "the streaming scoring job: Kafka -> model -> Cassandra"),
    "api": ("fraud_dashboard.cli_api", "serve the REST API"),
    "dashboard": ("fraud_dashboard.cli_dashboard", "serve the Streamlit live dashboard"),
    "demo": ("fraud_jobs.cli.demo", "the whole pipeline on this machine, end to end"),
    "operator": ("fraud_operator.cli", "run the operator, print the CRD, render a FraudPipeline"),
    "bench": ("fraud_jobs.cli.bench", "benchmarks: operator, train, stream"),
}


def _top_parser() -> argparse.ArgumentParser:
    epilog = "commands:\n" + "\n".join(f"  {name:<10} {text}" for name, (_, text) in COMMANDS.items())
    parser = argparse.ArgumentParser(
        prog="fraudctl",
        description="Real-time credit-card fraud detection platform.",
        epilog=epilog + "\n\nRun 'fraudctl COMMAND --help' for a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", choices=list(COMMANDS), metavar="COMMAND", help="see below")
    return parser


def load_command(name: str, prog: str = "fraudctl") -> argparse.ArgumentParser:
    module_name, text = COMMANDS[name]
    module = importlib.import_module(module_name)
    parser = argparse.ArgumentParser(prog=f"{prog} {name}", description=text)
    module.register(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    top = _top_parser()
    if not argv or argv[0] in ("-h", "--help"):
        top.print_help()
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        top.error(f"unknown command {name!r}; choose one of: {', '.join(COMMANDS)}")
    parser = load_command(name)
    args = parser.parse_args(rest)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        code = func(args)
    except KeyboardInterrupt:
        return 130
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
