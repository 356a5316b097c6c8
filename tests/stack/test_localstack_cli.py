"""`fraudctl local` behaves as a user expects: idempotent up, honest status, clear failures,
and down that stops only what it started."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from fraud_jobs.localstack import LocalStack, StackConfig, StackError
from fraud_jobs.localstack import stack as stack_module
from harness.stack import free_port

pytestmark = pytest.mark.integration
FRAUDCTL = [sys.executable, "-m", "fraud_jobs.cli.main"]


def _ports(tmp_path: Path) -> list[str]:
    return ["--state-dir", str(tmp_path / "st"), "--kafka-port", str(free_port()),
            "--kafka-controller-port", str(free_port()), "--cassandra-port", str(free_port()),
            "--cassandra-storage-port", str(free_port())]


def _run(args: list[str], env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(FRAUDCTL + args, capture_output=True, text=True, timeout=600, env=env)


def test_up_twice_is_harmless_and_status_reports(local_stack) -> None:
    args = ["--state-dir", str(local_stack.state_dir)]
    first = _run(["local", "up", *args])
    assert first.returncode == 0, first.stderr
    assert "already running" in first.stdout
    status = _run(["local", "status", "--json", *args])
    assert status.returncode == 0, status.stdout + status.stderr
    by_name = {s["name"]: s for s in json.loads(status.stdout)}
    assert set(by_name) == {"kafka", "cassandra"}
    for s in by_name.values():
        assert s["healthy"] and s["running"] and s["uptime_s"] > 0
        assert psutil.pid_exists(s["pid"])
    assert by_name["kafka"]["port"] == local_stack.stack.cfg.kafka_port


def test_port_taken_fails_with_one_line_reason(tmp_path: Path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        taken = blocker.getsockname()[1]
        args = _ports(tmp_path)
        args[args.index("--kafka-port") + 1] = str(taken)
        result = _run(["local", "up", "--service", "kafka", *args])
    assert result.returncode == 1
    first_line = result.stderr.strip().splitlines()[0]
    assert first_line.startswith("error: kafka: port ") and str(taken) in first_line
    assert "--kafka-port" in first_line


def test_java_missing_is_reported(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    env["PATH"] = str(Path(sys.executable).parent)  # python only, no java
    result = _run(["local", "up", "--service", "kafka", *_ports(tmp_path)], env=env)
    assert result.returncode == 1
    assert "no Java runtime found" in result.stderr and "JAVA_HOME" in result.stderr


def test_bad_config_exits_with_log_tail(tmp_path: Path) -> None:
    env = dict(os.environ, FRAUD_KAFKA_HEAP="lots")
    result = _run(["local", "up", "--service", "kafka", *_ports(tmp_path)], env=env)
    assert result.returncode == 1
    assert result.stderr.startswith("error: kafka: exited with code")
    assert "last lines of the kafka log" in result.stderr
    assert "heap size" in result.stderr.lower()  # the JVM's own words, from the log tail


def test_disk_full_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stack_module, "MIN_FREE_DISK", 1 << 62)
    cfg = StackConfig(state_dir=tmp_path / "st", kafka_port=free_port(), kafka_controller_port=free_port(),
                      cassandra_port=free_port(), cassandra_storage_port=free_port())
    with pytest.raises(StackError, match="MiB free under"):
        LocalStack(cfg, ["kafka"]).up()


def test_down_stops_only_its_own_processes(isolated_kafka: LocalStack) -> None:
    cfg = isolated_kafka.cfg
    kafka_pid = isolated_kafka.status()[0].pid
    # A stale record pointing at somebody else's process must not get it killed.
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        (cfg.state_dir / "run" / "cassandra.json").write_text(json.dumps({"pid": bystander.pid, "port": 1}))
        LocalStack(cfg).down(timeout=30)
        assert bystander.poll() is None, "down killed a process it did not start"
        assert not psutil.pid_exists(kafka_pid) or psutil.Process(kafka_pid).status() == psutil.STATUS_ZOMBIE
        assert all(not s.running for s in LocalStack(cfg).status())
    finally:
        bystander.kill()
        bystander.wait()


def test_kafka_cluster_ids_never_look_like_options() -> None:
    from fraud_jobs.localstack.services import new_cluster_id

    ids = [new_cluster_id() for _ in range(2000)]  # 2000 draws: a leading '-' would show ~31 times
    assert all(not i.startswith("-") and len(i) == 22 for i in ids)
    assert len(set(ids)) == len(ids)
