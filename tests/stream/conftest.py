"""Fixtures of the streaming tests: customers, a small model, and the job run in-process or
as a real `fraudctl stream` subprocess (for SIGKILL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
import support

from fraud_jobs.stream import StreamConfig, run

REPO = Path(__file__).resolve().parents[2]
FRAUDCTL = Path(sys.executable).parent / "fraudctl"


@pytest.fixture(scope="session")
def stream_data() -> tuple[list[dict], list[dict]]:
    return support.customers_and_history(n_customers=150, days=10)


@pytest.fixture(scope="session")
def pipeline(spark, stream_data):
    customers, history = stream_data
    return support.train_pipeline(spark, customers, history)


@pytest.fixture
def models_root(tmp_path: Path, pipeline) -> Path:
    root = tmp_path / "models"
    support.publish(root, pipeline, threshold=0.5, version="v1")
    return root


@pytest.fixture
def stream_keyspace(cassandra_session, keyspace: str, stream_data) -> str:
    support.insert_customers(cassandra_session, keyspace, stream_data[0])
    return keyspace


@pytest.fixture
def stream_config(local_stack, stream_keyspace: str, topic: str, models_root: Path, tmp_path: Path) -> StreamConfig:
    return StreamConfig(
        models_dir=str(models_root),
        bootstrap=local_stack.kafka_bootstrap,
        topic=topic,
        cassandra_host=local_stack.cassandra_host,
        cassandra_port=local_stack.cassandra_port,
        keyspace=stream_keyspace,
        checkpoint_dir=str(tmp_path / "checkpoint"),
        max_offsets_per_trigger=5_000,
    )


@contextmanager
def stream_in_process(cfg: StreamConfig, spark):
    """The job's run() in a thread on the shared SparkSession (no second JVM to start)."""
    stop = threading.Event()
    result: dict = {}

    def target() -> None:
        try:
            result["stats"] = run(cfg, stop, spark)
        except BaseException as exc:  # surfaced by the caller
            result["error"] = exc

    thread = threading.Thread(target=target, name="stream", daemon=True)
    thread.start()
    try:
        yield result
    finally:
        stop.set()
        thread.join(120)
    if "error" in result:
        raise result["error"]


class StreamProcess:
    """`fraudctl stream` as a real process, so it can be SIGKILLed like a crashed pod."""

    def __init__(self, cfg: StreamConfig, log_path: Path) -> None:
        args = [
            str(FRAUDCTL),
            "stream",
            "--models-dir",
            cfg.models_dir,
            "--bootstrap",
            cfg.bootstrap,
            "--topic",
            cfg.topic,
            "--cassandra-host",
            cfg.cassandra_host,
            "--cassandra-port",
            str(cfg.cassandra_port),
            "--keyspace",
            cfg.keyspace,
            "--checkpoint-dir",
            str(cfg.checkpoint_dir),
            "--max-offsets-per-trigger",
            str(cfg.max_offsets_per_trigger),
        ]
        self.log_path = log_path
        env = {**os.environ, "FRAUD_SHUFFLE_PARTITIONS": "2"}
        with log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                args, stdout=log, stderr=subprocess.STDOUT, cwd=REPO, env=env, start_new_session=True
            )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        # SIGKILL the whole group: the JVM child dies with the Python driver, like a killed pod.
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)

    def stop(self) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
