"""`fraudctl demo` end to end on the real stack: it runs the whole pipeline, shows scored
transactions in its summary, stops what it started, and a second run reuses everything."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from harness.stack import free_port, unique_name

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SUMMARY = re.compile(r"last 5 min: (\d+) scored, (\d+) fraud .*model (\S+)")


def _demo(local_stack, workdir: Path, keyspace: str, topic: str, api_port: int, duration: int,
          extra: list[str]) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "fraud_jobs.cli.main", "demo", "--state-dir", str(local_stack.state_dir),
           "--workdir", str(workdir), "--keyspace", keyspace, "--topic", topic, "--customers", "60",
           "--days", "40", "--rate", "25", "--api-port", str(api_port), "--duration", str(duration),
           "--summary-every", "3", *extra]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=1500)


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def test_demo_runs_scores_stops_and_reuses(local_stack, tmp_path: Path, cassandra_session) -> None:
    keyspace, topic = unique_name("demo"), unique_name("demo")
    api_port, dash_port = free_port(), free_port()
    try:
        first = _demo(local_stack, tmp_path, keyspace, topic, api_port, 120,
                      ["--dashboard-port", str(dash_port)])
        out = first.stdout
        assert "summary unavailable" not in out, out[-3000:]
        assert first.returncode == 0, out[-3000:] + first.stderr[-3000:]
        assert "The platform is running" in out and f"http://127.0.0.1:{dash_port}" in out
        scored = [(int(m[1]), m[3]) for m in SUMMARY.finditer(out)]
        assert scored and max(n for n, _ in scored) > 0, f"the stream stored nothing:\n{out[-3000:]}"
        assert any(model != "-" for _, model in scored)
        assert "stopped stream" in out and "stopped produce" in out and "stopped api" in out
        assert _port_free(api_port) and _port_free(dash_port), "a demo child outlived the demo"
        stored = sum(cassandra_session.execute(f"SELECT count(*) FROM {keyspace}.{t}").one()[0]
                     for t in ("fraud_transaction", "non_fraud_transaction"))
        assert stored > 0

        second = _demo(local_stack, tmp_path, keyspace, topic, api_port, 10, ["--no-dashboard"])
        assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
        for reused in ("data present", "already imported", "present in"):
            assert reused in second.stdout
    finally:
        cassandra_session.execute(f"DROP KEYSPACE IF EXISTS {keyspace}", timeout=60)
