"""`fraudctl bench TARGET`: benchmarks that print figures (and JSON with --json).

Each target lives with the component it measures and has the same register() contract
as a top-level command.
"""

from __future__ import annotations

import argparse
import importlib

TARGETS: dict[str, tuple[str, str]] = {
    "operator": ("fraud_operator.bench", "FraudPipelines applied -> children created -> Ready, operator RSS"),
    "train": ("fraud_jobs.bench_train", "generation, import and training throughput; PR-AUC vs scikit-learn"),
    "stream": ("fraud_jobs.bench_stream", "stream throughput and produce -> stored latency vs sink ceiling"),
    "dashboard": ("fraud_dashboard.bench", "API request latency; stored -> on-screen latency in headless Chromium"),
}


def register(parser: argparse.ArgumentParser) -> None:
    parser.epilog = "targets:\n" + "\n".join(f"  {n:<10} {t}" for n, (_, t) in TARGETS.items())
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("target", choices=list(TARGETS), metavar="TARGET", help="what to measure (see below)")
    parser.add_argument("options", nargs=argparse.REMAINDER, help="the target's own options (--help for them)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int | None:
    module_name, text = TARGETS[args.target]
    module = importlib.import_module(module_name)
    parser = argparse.ArgumentParser(prog=f"fraudctl bench {args.target}", description=text)
    module.register(parser)
    target_args = parser.parse_args(args.options)
    return target_args.func(target_args)
