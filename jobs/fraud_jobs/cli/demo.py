"""`fraudctl demo`: the whole platform on this machine, end to end.

Brings up the local stack, generates data, imports it, trains a model, then runs the
streaming job, a producer at a steady rate, the REST API and the dashboard, prints their
URLs and a live summary until Ctrl-C (or ``--duration``), and stops everything it started.
Every step reuses what a previous run left: data files, the import, the model, the
stack, so a second run is quick.
"""

from __future__ import annotations

import argparse
import json
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fraud_jobs import schema


@dataclass(frozen=True)
class DemoPaths:
    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def customers(self) -> Path:
        return self.data / "customers.csv"

    @property
    def transactions(self) -> Path:
        return self.data / "transactions.csv"

    @property
    def models(self) -> Path:
        return self.root / "models"

    @property
    def checkpoint(self) -> Path:
        return self.root / "checkpoint"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def import_marker(self) -> Path:
        return self.root / "imported.json"

    @property
    def token_file(self) -> Path:
        return self.root / "api-token"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--state-dir", type=Path, default=Path(".fraud"), help="local state (default %(default)s)")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="data, models, checkpoint and logs of the demo (default: STATE_DIR/demo)")
    parser.add_argument("--keyspace", default=schema.KEYSPACE, help="Cassandra keyspace (default %(default)s)")
    parser.add_argument("--topic", default=schema.TOPIC, help="Kafka topic (default %(default)s)")
    parser.add_argument("--customers", type=int, default=1000, help="card holders to generate (default %(default)s)")
    parser.add_argument("--days", type=int, default=182, help="days of history to generate (default %(default)s)")
    parser.add_argument("--rate", type=float, default=20.0, help="transactions per second to produce")
    parser.add_argument("--api-port", type=int, default=8000)
    parser.add_argument("--dashboard-port", type=int, default=8501)
    parser.add_argument("--no-dashboard", action="store_true", help="do not start the dashboard")
    parser.add_argument("--duration", type=float, default=None,
                        help="stop this many seconds after everything runs (default: Ctrl-C)")
    parser.add_argument("--summary-every", type=float, default=5.0, help="seconds between summary lines")
    parser.add_argument("--retrain", action="store_true", help="train a new model version even if one exists")
    parser.set_defaults(func=run)


def _step(text: str) -> None:
    print(f"\n==> {text}", flush=True)


def _fraudctl(*args: str) -> None:
    """Run a fraudctl step in the foreground (its progress bars show); fail loudly."""
    cmd = [sys.executable, "-m", "fraud_jobs.cli.main", *args]
    result = subprocess.run(cmd)
    if result.returncode != 0:
        raise RuntimeError(f"step 'fraudctl {' '.join(args)}' failed with exit code {result.returncode}")


def _file_stamp(*paths: Path) -> dict[str, list[float]]:
    return {str(p): [p.stat().st_size, p.stat().st_mtime] for p in paths}


def ensure_data(paths: DemoPaths, customers: int, days: int) -> None:
    if paths.customers.exists() and paths.transactions.exists():
        print(f"data present in {paths.data}")
        return
    _fraudctl("generate", "--out", str(paths.data), "--customers", str(customers), "--days", str(days))


def ensure_import(paths: DemoPaths, stack_cfg, keyspace: str) -> None:
    stamp = {"keyspace": keyspace, "files": _file_stamp(paths.customers, paths.transactions),
             "cassandra": f"{stack_cfg.host}:{stack_cfg.cassandra_port}"}
    if paths.import_marker.exists() and json.loads(paths.import_marker.read_text()) == stamp:
        print(f"data already imported into {keyspace}")
        return
    _fraudctl("import", "--customers", str(paths.customers), "--transactions", str(paths.transactions),
              "--keyspace", keyspace, "--cassandra-host", stack_cfg.host,
              "--cassandra-port", str(stack_cfg.cassandra_port))
    paths.import_marker.write_text(json.dumps(stamp))


def ensure_model(paths: DemoPaths, stack_cfg, keyspace: str, retrain: bool) -> str:
    from fraud_jobs.model import latest_version

    version = latest_version(paths.models)
    if version and not retrain:
        print(f"model {version} present in {paths.models}")
        return version
    _fraudctl("train", "--models-dir", str(paths.models), "--keyspace", keyspace,
              "--cassandra-host", stack_cfg.host, "--cassandra-port", str(stack_cfg.cassandra_port))
    version = latest_version(paths.models)
    if not version:
        raise RuntimeError(f"training finished but published no model under {paths.models}")
    return version


def api_token(paths: DemoPaths) -> str:
    if paths.token_file.exists():
        return paths.token_file.read_text().strip()
    token = secrets.token_urlsafe(24)
    paths.token_file.write_text(token + "\n")
    paths.token_file.chmod(0o600)
    return token


def _feed_buckets(now: datetime, minutes: int) -> list[str]:
    return [(now - timedelta(minutes=m)).strftime("%Y-%m-%dT%H:%M") for m in range(minutes)]


def summary_line(session, keyspace: str, topic: str, consumer: str, started: float) -> str:
    """One line: what the stream stored in the last 5 minutes, dead letters, its position."""
    feed = session.prepare(f"SELECT is_fraud, model_version FROM {keyspace}.transaction_feed WHERE bucket IN ?")
    rows = session.execute(feed, [_feed_buckets(datetime.now(UTC), 5)], timeout=10)
    scored = fraud = 0
    models: set[str] = set()
    for row in rows:
        scored += 1
        fraud += row.is_fraud == 1
        models.add(row.model_version)
    dead = session.execute(f"SELECT count(*) FROM {keyspace}.dead_letter WHERE topic = %s", [topic],
                           timeout=10).one()[0]
    position = sum(r.offset for r in session.execute(
        f"SELECT offset FROM {keyspace}.kafka_offset WHERE consumer = %s", [consumer], timeout=10))
    rate = f"{fraud / scored:.1%}" if scored else "-"
    return (f"[{time.time() - started:6.0f}s] last 5 min: {scored} scored, {fraud} fraud ({rate}); "
            f"dead letters {dead}; stream position {position}; model {', '.join(sorted(models)) or '-'}")


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except RuntimeError as exc:
        print(f"\nfraudctl demo: {exc}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace) -> int:
    from fraud_dashboard.config import CassandraConfig
    from fraud_dashboard.launch import ServiceFailed, start_api, start_dashboard
    from fraud_jobs.cassandra_io import connect
    from fraud_jobs.localstack import LocalStack, StackConfig, StackError
    from fraud_jobs.localstack.init import initialize

    paths = DemoPaths((args.workdir or args.state_dir / "demo").resolve())
    for folder in (paths.data, paths.models, paths.logs):
        folder.mkdir(parents=True, exist_ok=True)
    stack = LocalStack(StackConfig(state_dir=args.state_dir))
    stack_was_running = all(s.running for s in stack.status())
    children: list = []
    started = time.time()
    try:
        _step("local stack: Kafka and Cassandra")
        try:
            stack.up(on_event=lambda svc, msg: print(f"{svc:<10} {msg}", flush=True))
        except StackError as exc:
            raise RuntimeError(f"{exc}\n{exc.log_tail}") from None
        initialize(stack, keyspace=args.keyspace, topic=args.topic,
                   on_event=lambda svc, msg: print(f"{svc:<10} {msg}", flush=True))
        cfg = stack.cfg
        _step("data: customers and six months of transactions")
        ensure_data(paths, args.customers, args.days)
        _step(f"import into Cassandra keyspace {args.keyspace} (Spark SQL, features age and distance)")
        ensure_import(paths, cfg, args.keyspace)
        _step("model: Spark ML training with K-means undersampling")
        version = ensure_model(paths, cfg, args.keyspace, args.retrain)
        print(f"serving model {version}")

        _step("streaming job, producer, REST API and dashboard")
        children.append(_spawn_fraudctl("stream", paths, [
            "stream", "--models-dir", str(paths.models), "--bootstrap", cfg.kafka_bootstrap, "--topic", args.topic,
            "--cassandra-host", cfg.host, "--cassandra-port", str(cfg.cassandra_port), "--keyspace", args.keyspace,
            "--checkpoint-dir", str(paths.checkpoint)]))
        children.append(_spawn_fraudctl("produce", paths, [
            "produce", "--bootstrap", cfg.kafka_bootstrap, "--topic", args.topic, "--rate", str(args.rate),
            "--customers-file", str(paths.customers)]))
        cassandra = CassandraConfig(hosts=(cfg.host,), port=cfg.cassandra_port, keyspace=args.keyspace)
        token = api_token(paths)
        try:
            children.append(start_api(port=args.api_port, cassandra=cassandra, token=token,
                                       log_path=paths.logs / "api.log"))
            if not args.no_dashboard:
                children.append(start_dashboard(port=args.dashboard_port, cassandra=cassandra,
                                                log_path=paths.logs / "dashboard.log"))
        except ServiceFailed as exc:
            raise RuntimeError(str(exc)) from None
        _print_urls(args, cfg, token, paths)
        _watch(children, connect([cfg.host], cfg.cassandra_port), args, started)
        return 0
    except KeyboardInterrupt:
        print("\nstopping ...", flush=True)
        return 0
    finally:
        for child in reversed(children):
            child.stop()
            print(f"stopped {child.name}", flush=True)
        if not stack_was_running:
            stack.down(on_event=lambda svc, msg: print(f"{svc:<10} {msg}", flush=True))
        else:
            print("the local stack was already running before the demo: left running ('fraudctl local down')")


def _spawn_fraudctl(name: str, paths: DemoPaths, args: list[str]):
    from fraud_dashboard.launch import _spawn

    return _spawn(name, "", args, {}, paths.logs / f"{name}.log")


def _print_urls(args: argparse.Namespace, cfg, token: str, paths: DemoPaths) -> None:
    api = f"http://127.0.0.1:{args.api_port}"
    print("\nThe platform is running:")
    if not args.no_dashboard:
        print(f"  dashboard   http://127.0.0.1:{args.dashboard_port}")
    print(f"  REST API    {api}/docs   (token in {paths.token_file})")
    print(f"              curl -H 'Authorization: Bearer {token}' {api}/api/customer/<cc_num>")
    print(f"  Kafka       {cfg.kafka_bootstrap}   topic {args.topic}")
    print(f"  Cassandra   {cfg.host}:{cfg.cassandra_port}   keyspace {args.keyspace}")
    print(f"  logs        {paths.logs}/")
    print("Ctrl-C stops everything the demo started.\n", flush=True)


def _watch(children: list, session, args: argparse.Namespace, started: float) -> None:
    # --duration counts from here: how long the running platform is watched.
    deadline = time.time() + args.duration if args.duration else None
    try:
        while deadline is None or time.time() < deadline:
            for child in children:
                if not child.running():
                    raise RuntimeError(f"{child.name} exited with code {child.process.returncode}; "
                                       f"last lines of {child.log_path}:\n{child.log_tail()}")
            try:
                print(summary_line(session, args.keyspace, args.topic, "fraud-stream", started), flush=True)
            except Exception as exc:  # a slow or failed summary query must not stop the demo
                print(f"[summary unavailable: {type(exc).__name__}: {exc}]", flush=True)
            time.sleep(args.summary_every)
    finally:
        session.cluster.shutdown()
