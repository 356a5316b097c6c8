"""Where the dashboard and the API find Cassandra: one set of environment variables.

Both processes are configured the same way (flags of `fraudctl api` / `fraudctl
dashboard` override them), so a Kubernetes Deployment sets them once in its env.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from fraud_jobs.schema import KEYSPACE

# The same names every platform process reads (the operator sets them on each Deployment).
ENV_HOSTS = "FRAUD_CASSANDRA_HOST"  # one contact point, or several comma-separated
ENV_PORT = "FRAUD_CASSANDRA_PORT"
ENV_KEYSPACE = "FRAUD_KEYSPACE"
ENV_USERNAME = "FRAUD_CASSANDRA_USERNAME"  # K8ssandra's superuser Secret; unset locally
ENV_PASSWORD = "FRAUD_CASSANDRA_PASSWORD"
ENV_API_TOKEN = "FRAUD_API_TOKEN"  # the bearer token itself
ENV_API_TOKEN_FILE = "FRAUD_API_TOKEN_FILE"  # or a file holding it (a mounted Secret)

DEFAULT_HOSTS = ("127.0.0.1",)
DEFAULT_PORT = 9042


@dataclass(frozen=True)
class CassandraConfig:
    hosts: tuple[str, ...] = DEFAULT_HOSTS
    port: int = DEFAULT_PORT
    keyspace: str = KEYSPACE
    username: str | None = None
    password: str | None = field(default=None, repr=False)  # never in logs or reprs

    @property
    def where(self) -> str:
        return f"{','.join(self.hosts)}:{self.port}"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> CassandraConfig:
        env = os.environ if environ is None else environ
        hosts = parse_hosts(env.get(ENV_HOSTS, ",".join(DEFAULT_HOSTS)))
        port_text = env.get(ENV_PORT, str(DEFAULT_PORT))
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(f"{ENV_PORT}={port_text!r} is not a TCP port; set it to e.g. 9042")
        return cls(
            hosts=hosts,
            port=int(port_text),
            keyspace=env.get(ENV_KEYSPACE, KEYSPACE),
            username=env.get(ENV_USERNAME) or None,
            password=env.get(ENV_PASSWORD) or None,
        )

    def as_env(self) -> dict[str, str]:
        """The environment that makes a child process's from_env() return this config."""
        env = {ENV_HOSTS: ",".join(self.hosts), ENV_PORT: str(self.port), ENV_KEYSPACE: self.keyspace}
        if self.username:
            env |= {ENV_USERNAME: self.username, ENV_PASSWORD: self.password or ""}
        return env


def parse_hosts(text: str) -> tuple[str, ...]:
    hosts = tuple(h.strip() for h in text.split(",") if h.strip())
    if not hosts:
        raise ValueError(f"no Cassandra host in {text!r}; give one or more, e.g. '127.0.0.1' or 'cass-0,cass-1'")
    return hosts
