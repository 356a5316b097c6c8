"""Settings of one local stack: where it keeps its state and which ports it listens on."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name}={value!r} is not a port number; unset it or give an integer") from None


@dataclass(frozen=True)
class StackConfig:
    """Ports and sizes. Defaults suit a 2-core, 24 GiB laptop; every port can be moved so
    several stacks (a developer's and a test's) can run side by side."""

    state_dir: Path = field(default_factory=lambda: Path(os.environ.get("FRAUD_STATE_DIR", ".fraud")))
    host: str = "127.0.0.1"
    kafka_port: int = field(default_factory=lambda: _env_int("FRAUD_KAFKA_PORT", 9092))
    kafka_controller_port: int = field(default_factory=lambda: _env_int("FRAUD_KAFKA_CONTROLLER_PORT", 9093))
    cassandra_port: int = field(default_factory=lambda: _env_int("FRAUD_CASSANDRA_PORT", 9042))
    cassandra_storage_port: int = field(default_factory=lambda: _env_int("FRAUD_CASSANDRA_STORAGE_PORT", 7000))
    # Kafka is light at laptop rates; Cassandra wants room for memtables and caches.
    kafka_heap: str = field(default_factory=lambda: os.environ.get("FRAUD_KAFKA_HEAP", "512m"))
    cassandra_heap: str = field(default_factory=lambda: os.environ.get("FRAUD_CASSANDRA_HEAP", "1g"))
    start_timeout: float = 180.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "state_dir", Path(self.state_dir).resolve())
        ports = {
            "kafka_port": self.kafka_port,
            "kafka_controller_port": self.kafka_controller_port,
            "cassandra_port": self.cassandra_port,
            "cassandra_storage_port": self.cassandra_storage_port,
        }
        for name, port in ports.items():
            if not 1 <= port <= 65535:
                raise ValueError(f"{name}={port} is outside 1-65535; choose a free TCP port")
        if len(set(ports.values())) != len(ports):
            raise ValueError(f"ports must all differ, got {ports}")

    @property
    def kafka_bootstrap(self) -> str:
        return f"{self.host}:{self.kafka_port}"

    def service_dir(self, name: str) -> Path:
        return self.state_dir / name

    def log_file(self, name: str) -> Path:
        return self.state_dir / "logs" / f"{name}.log"
