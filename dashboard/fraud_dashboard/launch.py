"""Start the API or the dashboard as a child process and wait until it is healthy.

Used by `fraudctl demo` and the end-to-end tests::

    with start_api(port=8000, cassandra=cfg, token="s3cret") as api, start_dashboard(port=8501) as ui:
        print(api.url, ui.url)

Each child runs in its own process group with its output in a log file, so stopping it
stops everything it started and a failure can quote the log.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from fraud_dashboard.config import ENV_API_TOKEN, ENV_PASSWORD, CassandraConfig


class ServiceFailed(RuntimeError):
    pass


@dataclass
class Service:
    name: str
    url: str
    process: subprocess.Popen
    log_path: Path

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM the process group, SIGKILL it if it has not gone after `timeout`."""
        if self.running():
            _signal_group(self.process, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                _signal_group(self.process, signal.SIGKILL)
                self.process.wait(timeout)
        return self.process.returncode

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def __enter__(self) -> Service:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone
        os.killpg(process.pid, sig)


def _cassandra_args(cfg: CassandraConfig) -> list[str]:
    args = ["--cassandra-host", ",".join(cfg.hosts), "--cassandra-port", str(cfg.port), "--keyspace", cfg.keyspace]
    return [*args, "--cassandra-username", cfg.username] if cfg.username else args


def _secret_env(cfg: CassandraConfig) -> dict[str, str]:
    # Secrets go through the environment, never argv, so `ps` does not show them.
    return {ENV_PASSWORD: cfg.password} if cfg.password else {}


def start_api(
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    cassandra: CassandraConfig | None = None,
    token: str | None = None,
    insecure_open: bool = False,
    log_path: Path | None = None,
    timeout: float = 60.0,
) -> Service:
    """`fraudctl api` in a child process; returns once /readyz says Cassandra answers."""
    cfg = cassandra or CassandraConfig.from_env()
    args = ["api", "--host", host, "--port", str(port), *_cassandra_args(cfg)]
    if insecure_open:
        args.append("--insecure-open")
    env = _secret_env(cfg) | ({ENV_API_TOKEN: token} if token else {})
    url = f"http://{_client_host(host)}:{port}"
    service = _spawn("api", url, args, env, log_path)
    return _wait(service, f"{url}/readyz", timeout)


def start_dashboard(
    *,
    host: str = "127.0.0.1",
    port: int = 8501,
    cassandra: CassandraConfig | None = None,
    log_path: Path | None = None,
    timeout: float = 60.0,
) -> Service:
    """`fraudctl dashboard` in a child process; returns once Streamlit's health check answers."""
    cfg = cassandra or CassandraConfig.from_env()
    args = ["dashboard", "--host", host, "--port", str(port), *_cassandra_args(cfg)]
    url = f"http://{_client_host(host)}:{port}"
    service = _spawn("dashboard", url, args, _secret_env(cfg), log_path)
    return _wait(service, f"{url}/_stcore/health", timeout)


def _client_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "") else host


def _spawn(name: str, url: str, args: list[str], env: dict[str, str], log_path: Path | None) -> Service:
    log_path = log_path or Path(os.environ.get("TMPDIR", "/tmp")) / f"fraud-{name}-{os.getpid()}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "fraud_jobs.cli.main", *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **env},
            start_new_session=True,  # own process group: Ctrl-C goes to the parent, which stops us
        )
    return Service(name=name, url=url, process=process, log_path=log_path)


def _wait(service: Service, health_url: str, timeout: float) -> Service:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not service.running():
            raise ServiceFailed(
                f"{service.name} exited with code {service.process.returncode} before becoming healthy; "
                f"log {service.log_path}:\n{service.log_tail()}"
            )
        if _healthy(health_url):
            return service
        time.sleep(0.3)
    service.stop()
    raise ServiceFailed(
        f"{service.name} was not healthy at {health_url} within {timeout:.0f}s (is Cassandra up? "
        f"`fraudctl local up`); log {service.log_path}:\n{service.log_tail()}"
    )


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False
