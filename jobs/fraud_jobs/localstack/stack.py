"""Start, check and stop the local services as background processes we can find again.

Each running service has ``<state>/run/<name>.json`` with its pid, port and start time.
A pid counts as ours only while its command line carries our marker for this state
directory, so a stale pid file can never make `down` kill someone else's process.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import psutil

from fraud_jobs.localstack import artifacts
from fraud_jobs.localstack.config import StackConfig
from fraud_jobs.localstack.services import MARK, SERVICES, Service

MIN_FREE_DISK = 1 << 30  # 1 GiB: below this Cassandra's commit log and compaction fail badly


class StackError(RuntimeError):
    """A service could not start or stop. ``str()`` is one line; ``log_tail`` has the details."""

    def __init__(self, service: str, reason: str, log_tail: str = "") -> None:
        super().__init__(f"{service}: {reason}")
        self.service = service
        self.reason = reason
        self.log_tail = log_tail


@dataclass
class ServiceStatus:
    name: str
    pid: int | None
    port: int
    running: bool
    healthy: bool
    uptime_s: float | None
    started_by_us: bool = True

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("name", "pid", "port", "running", "healthy", "uptime_s")}


def find_java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    candidate = Path(java_home) / "bin" / "java" if java_home else None
    if candidate and candidate.exists():
        return str(candidate)
    found = shutil.which("java")
    if not found:
        raise StackError("java", "no Java runtime found: install Java 17 (apt-get install openjdk-17-jre-headless) "
                         "or set JAVA_HOME")
    return found


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def _who_listens(port: int) -> str:
    try:
        for conn in psutil.net_connections(kind="tcp"):
            if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN and conn.pid:
                proc = psutil.Process(conn.pid)
                return f" by pid {conn.pid} ({proc.name()})"
    except (psutil.Error, PermissionError):
        pass
    return ""


def tail(path: Path, lines: int = 20) -> str:
    if not path.exists():
        return ""
    with path.open("rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - 64 * 1024))
        text = f.read().decode(errors="replace")
    return "\n".join(text.splitlines()[-lines:])


class LocalStack:
    def __init__(self, cfg: StackConfig | None = None, services: Iterable[str] = ("kafka", "cassandra")) -> None:
        self.cfg = cfg or StackConfig()
        self.services: list[Service] = [SERVICES[name] for name in services]

    # -- bookkeeping ----------------------------------------------------------------
    def _run_file(self, name: str) -> Path:
        return self.cfg.state_dir / "run" / f"{name}.json"

    def _record(self, name: str) -> dict | None:
        path = self._run_file(name)
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            return None

    def _our_process(self, name: str) -> psutil.Process | None:
        record = self._record(name)
        if not record:
            return None
        try:
            proc = psutil.Process(record["pid"])
            marker = f"{MARK}{self.cfg.state_dir}:{name}"
            if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE and marker in proc.cmdline():
                return proc
        except (psutil.Error, KeyError):
            pass
        return None

    # -- queries --------------------------------------------------------------------
    def status(self) -> list[ServiceStatus]:
        result = []
        for svc in self.services:
            proc = self._our_process(svc.name)
            record = self._record(svc.name) or {}
            port = svc.client_port(self.cfg)
            healthy = bool(proc) and svc.healthy(self.cfg)
            uptime = time.time() - record["started_at"] if proc and "started_at" in record else None
            result.append(ServiceStatus(svc.name, proc.pid if proc else None, port, bool(proc), healthy, uptime))
        return result

    # -- up -------------------------------------------------------------------------
    def up(self, on_event: Callable[[str, str], None] = lambda service, message: None) -> dict[str, float]:
        """Start what is not running and wait until every service answers.

        Returns the start-up seconds per service (0.0 for one that was already up).
        Raises StackError with a one-line reason and the log tail on any failure.
        """
        java = find_java()
        self.cfg.state_dir.mkdir(parents=True, exist_ok=True)
        (self.cfg.state_dir / "run").mkdir(exist_ok=True)
        (self.cfg.state_dir / "logs").mkdir(exist_ok=True)
        self._check_disk()
        started: dict[str, tuple[subprocess.Popen, float]] = {}
        timings: dict[str, float] = {}
        for svc in self.services:
            if self._our_process(svc.name):
                if svc.healthy(self.cfg):
                    on_event(svc.name, "already running")
                    timings[svc.name] = 0.0
                    continue
                # Ours and alive but not answering yet (another `up` started it): wait for it.
                started[svc.name] = (None, time.time())  # type: ignore[assignment]
                continue
            self._check_ports(svc)
            try:
                svc.prepare(self.cfg, java)
                cmd = svc.command(self.cfg, java)
            except (artifacts.ArtifactError, RuntimeError, OSError) as exc:
                raise StackError(svc.name, str(exc).splitlines()[0], str(exc)) from exc
            started[svc.name] = (self._spawn(svc.name, cmd), time.time())
            on_event(svc.name, f"starting (log: {self.cfg.log_file(svc.name)})")
        for svc in self.services:
            if svc.name in started:
                proc, t0 = started[svc.name]
                self._wait_healthy(svc, proc, t0)
                timings[svc.name] = time.time() - t0
                on_event(svc.name, f"ready in {timings[svc.name]:.1f}s")
        return timings

    def _check_disk(self) -> None:
        free = shutil.disk_usage(self.cfg.state_dir).free
        if free < MIN_FREE_DISK:
            raise StackError("stack", f"only {free >> 20} MiB free under {self.cfg.state_dir}; "
                             "free at least 1 GiB or choose another --state-dir")

    def _check_ports(self, svc: Service) -> None:
        for key, port in svc.ports(self.cfg).items():
            if port_in_use(self.cfg.host, port):
                flag = "--" + key.replace("_", "-")
                raise StackError(svc.name, f"port {port} ({key}) is already in use{_who_listens(port)}; "
                                 f"stop that process or choose another port with {flag}")

    def _spawn(self, name: str, cmd: list[str]) -> subprocess.Popen:
        log = self.cfg.log_file(name).open("ab")
        log.write(f"\n==== fraudctl local: starting {name} at {time.ctime()} ====\n".encode())
        log.flush()
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                cwd=self.cfg.service_dir(name), start_new_session=True)
        log.close()
        record = {"pid": proc.pid, "port": SERVICES[name].client_port(self.cfg), "started_at": time.time()}
        tmp = self._run_file(name).with_suffix(".tmp")
        tmp.write_text(json.dumps(record))
        os.replace(tmp, self._run_file(name))
        return proc

    def _wait_healthy(self, svc: Service, proc: subprocess.Popen | None, t0: float) -> None:
        deadline = t0 + self.cfg.start_timeout
        while time.time() < deadline:
            if proc is not None and proc.poll() is not None:
                raise StackError(svc.name, f"exited with code {proc.returncode} during start-up "
                                 f"(see {self.cfg.log_file(svc.name)})", tail(self.cfg.log_file(svc.name)))
            if proc is None and not self._our_process(svc.name):
                raise StackError(svc.name, "the process started by another 'up' has exited",
                                 tail(self.cfg.log_file(svc.name)))
            if svc.healthy(self.cfg):
                return
            time.sleep(0.5)
        raise StackError(svc.name, f"did not answer within {self.cfg.start_timeout:.0f}s "
                         f"(see {self.cfg.log_file(svc.name)})", tail(self.cfg.log_file(svc.name)))

    # -- down -----------------------------------------------------------------------
    def down(self, timeout: float = 60.0, on_event: Callable[[str, str], None] = lambda s, m: None) -> None:
        """Stop the processes this state directory started: SIGTERM, then SIGKILL."""
        for svc in reversed(self.services):
            proc = self._our_process(svc.name)
            if proc is None:
                on_event(svc.name, "not running")
                self._run_file(svc.name).unlink(missing_ok=True)
                continue
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
                on_event(svc.name, f"stopped (pid {proc.pid})")
            except psutil.TimeoutExpired:
                proc.kill()
                proc.wait(10)
                on_event(svc.name, f"killed after {timeout:.0f}s (pid {proc.pid})")
            self._run_file(svc.name).unlink(missing_ok=True)

    def stop_service(self, name: str, timeout: float = 60.0) -> None:
        """Stop one service (for failure tests: e.g. a broker outage)."""
        LocalStack(self.cfg, [name]).down(timeout)

    def start_service(self, name: str) -> float:
        return LocalStack(self.cfg, [name]).up()[name]
