"""`fraudctl local up|status|down|logs`: the local stack from the command line."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def _add_stack_options(parser: argparse.ArgumentParser) -> None:
    from fraud_jobs.localstack import StackConfig

    defaults = StackConfig()
    parser.add_argument("--state-dir", type=Path, default=defaults.state_dir,
                        help="data, logs and pid files (default: %(default)s; env FRAUD_STATE_DIR)")
    for name in ("kafka_port", "kafka_controller_port", "cassandra_port", "cassandra_storage_port"):
        parser.add_argument("--" + name.replace("_", "-"), type=int, default=getattr(defaults, name),
                            help=f"default %(default)s (env FRAUD_{name.upper()})")
    parser.add_argument("--service", choices=["kafka", "cassandra"], action="append",
                        help="act on one service only (repeatable); default both")


def _stack(args: argparse.Namespace):
    from fraud_jobs.localstack import LocalStack, StackConfig

    cfg = StackConfig(state_dir=args.state_dir, kafka_port=args.kafka_port,
                      kafka_controller_port=args.kafka_controller_port, cassandra_port=args.cassandra_port,
                      cassandra_storage_port=args.cassandra_storage_port)
    return LocalStack(cfg, args.service or ("kafka", "cassandra"))


def register(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    up = sub.add_parser("up", help="start Kafka and Cassandra and wait until they answer")
    up.add_argument("--no-init", action="store_true",
                    help="do not create the transactions topic and the Cassandra schema")
    up.add_argument("--json", action="store_true", help="print start-up times as JSON")
    up.set_defaults(func=run_up)
    st = sub.add_parser("status", help="pid, port, health and uptime of each service")
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=run_status)
    dn = sub.add_parser("down", help="stop the processes this state directory started")
    dn.add_argument("--timeout", type=float, default=60.0, help="seconds before SIGKILL (default %(default)s)")
    dn.set_defaults(func=run_down)
    lg = sub.add_parser("logs", help="print (or follow) a service's log")
    lg.add_argument("name", choices=["kafka", "cassandra"])
    lg.add_argument("-n", "--lines", type=int, default=50)
    lg.add_argument("-f", "--follow", action="store_true")
    lg.set_defaults(func=run_logs)
    for child in (up, st, dn, lg):
        _add_stack_options(child)
    parser.set_defaults(func=None)


def _print_event(service: str, message: str) -> None:
    print(f"{service:<10} {message}", flush=True)


def run_up(args: argparse.Namespace) -> int:
    from fraud_jobs.localstack import StackError
    from fraud_jobs.localstack.init import initialize

    stack = _stack(args)
    t0 = time.time()
    try:
        timings = stack.up(on_event=_print_event)
        if not args.no_init:
            initialize(stack, on_event=_print_event)
    except StackError as exc:
        print(f"error: {exc}", file=sys.stderr)
        if exc.log_tail:
            print(f"---- last lines of the {exc.service} log ----\n{exc.log_tail}", file=sys.stderr)
        return 1
    except (RuntimeError, ConnectionError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"startup_s": timings, "total_s": round(time.time() - t0, 2)}))
    else:
        print(f"stack ready in {time.time() - t0:.1f}s: kafka {stack.cfg.kafka_bootstrap}, "
              f"cassandra {stack.cfg.host}:{stack.cfg.cassandra_port}")
    return 0


def _fmt_uptime(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, s = divmod(int(seconds), 60)
    h, m = divmod(minutes, 60)
    return f"{h}h{m:02d}m{s:02d}s" if h else f"{m}m{s:02d}s"


def run_status(args: argparse.Namespace) -> int:
    statuses = _stack(args).status()
    if args.json:
        print(json.dumps([s.as_dict() for s in statuses]))
    else:
        print(f"{'SERVICE':<10} {'PID':>7} {'PORT':>6} {'HEALTH':<9} UPTIME")
        for s in statuses:
            health = "healthy" if s.healthy else ("starting" if s.running else "stopped")
            print(f"{s.name:<10} {s.pid or '-':>7} {s.port:>6} {health:<9} {_fmt_uptime(s.uptime_s)}")
    return 0 if all(s.healthy for s in statuses) else 3


def run_down(args: argparse.Namespace) -> int:
    _stack(args).down(args.timeout, on_event=_print_event)
    return 0


def run_logs(args: argparse.Namespace) -> int:
    from fraud_jobs.localstack.stack import tail

    path = _stack(args).cfg.log_file(args.name)
    if not path.exists():
        print(f"error: no log yet at {path}; start the stack with 'fraudctl local up'", file=sys.stderr)
        return 1
    print(tail(path, args.lines))
    if args.follow:
        with path.open() as f:
            f.seek(0, 2)
            try:
                while True:
                    line = f.readline()
                    if line:
                        sys.stdout.write(line)
                        sys.stdout.flush()
                    else:
                        time.sleep(0.3)
            except KeyboardInterrupt:
                return 0
    return 0
