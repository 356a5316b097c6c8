"""What it takes to run each service: its files, its command line, its health check.

Pure-ish descriptions: `prepare` writes config under the service's state folder, `command`
builds the JVM command line, `healthy` asks the running service a real question (a Kafka
metadata request, a CQL query).
"""

from __future__ import annotations

import base64
import socket
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from fraud_jobs.localstack import artifacts
from fraud_jobs.localstack.config import StackConfig

# Marks our processes on their command line so `down` never touches anything else.
MARK = "-Dfraud.localstack="


class Service(Protocol):
    name: str

    def ports(self, cfg: StackConfig) -> dict[str, int]: ...
    def prepare(self, cfg: StackConfig, java: str) -> None: ...
    def command(self, cfg: StackConfig, java: str) -> list[str]: ...
    def healthy(self, cfg: StackConfig) -> bool: ...
    def client_port(self, cfg: StackConfig) -> int: ...


def new_cluster_id() -> str:
    """A KRaft cluster id: a UUID in URL-safe base64. One starting with '-' would be read by
    kafka-storage's argument parser as an option, so draw again (1 time in 64)."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if cluster_id[0] != "-":
            return cluster_id


def _accepts_connections(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1.0)
        return sock.connect_ex((host, port)) == 0


def _jvm_common(cfg: StackConfig, name: str, heap: str) -> list[str]:
    return [
        f"{MARK}{cfg.state_dir}:{name}",
        f"-Xms{heap}",
        f"-Xmx{heap}",
        "-XX:+UseG1GC",
        "-XX:+ExitOnOutOfMemoryError",
        "-Djava.awt.headless=true",
    ]


@dataclass(frozen=True)
class Kafka:
    name: str = "kafka"

    def ports(self, cfg: StackConfig) -> dict[str, int]:
        return {"kafka_port": cfg.kafka_port, "kafka_controller_port": cfg.kafka_controller_port}

    def client_port(self, cfg: StackConfig) -> int:
        return cfg.kafka_port

    def _paths(self, cfg: StackConfig) -> tuple[Path, Path, Path]:
        home = cfg.service_dir(self.name)
        return home, home / "server.properties", home / "data"

    def prepare(self, cfg: StackConfig, java: str) -> None:
        home, props, data = self._paths(cfg)
        data.mkdir(parents=True, exist_ok=True)
        props.write_text(
            "\n".join(
                [
                    "process.roles=broker,controller",
                    "node.id=1",
                    f"controller.quorum.voters=1@{cfg.host}:{cfg.kafka_controller_port}",
                    f"listeners=PLAINTEXT://{cfg.host}:{cfg.kafka_port},CONTROLLER://{cfg.host}:{cfg.kafka_controller_port}",
                    f"advertised.listeners=PLAINTEXT://{cfg.host}:{cfg.kafka_port}",
                    "controller.listener.names=CONTROLLER",
                    "inter.broker.listener.name=PLAINTEXT",
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                    f"log.dirs={data}",
                    "num.partitions=3",
                    # Topics are created explicitly (with their partition count), never by a typo.
                    "auto.create.topics.enable=false",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=3",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    "log.retention.hours=168",
                    "num.network.threads=2",
                    "num.io.threads=4",
                ]
            )
            + "\n"
        )
        (home / "log4j2.properties").write_text(
            "rootLogger.level=INFO\nrootLogger.appenderRef.console.ref=STDOUT\n"
            "appender.console.type=Console\nappender.console.name=STDOUT\n"
            "appender.console.layout.type=PatternLayout\n"
            "appender.console.layout.pattern=[%d] %p %m (%c)%n\n"
            "logger.kafka.name=kafka\nlogger.kafka.level=INFO\n"
            "logger.state.name=state.change.logger\nlogger.state.level=WARN\n"
        )
        if not (data / "meta.properties").exists():
            self._format(cfg, java, props)

    def _format(self, cfg: StackConfig, java: str, props: Path) -> None:
        cluster_id = new_cluster_id()
        cmd = [java, "-cp", ":".join(artifacts.kafka_classpath()),
               f"-Dlog4j2.configurationFile={props.parent / 'log4j2.properties'}",
               "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(props)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-10:])
            raise RuntimeError(f"formatting Kafka storage in {props.parent / 'data'} failed:\n{tail}")

    def command(self, cfg: StackConfig, java: str) -> list[str]:
        home, props, _ = self._paths(cfg)
        return [
            java,
            *_jvm_common(cfg, self.name, cfg.kafka_heap),
            f"-Dlog4j2.configurationFile={home / 'log4j2.properties'}",
            f"-Dkafka.logs.dir={cfg.state_dir / 'logs'}",
            "-cp",
            ":".join(artifacts.kafka_classpath()),
            "kafka.Kafka",
            str(props),
        ]

    def healthy(self, cfg: StackConfig) -> bool:
        from kafka import KafkaAdminClient
        from kafka.errors import KafkaError

        if not _accepts_connections(cfg.host, cfg.kafka_port):
            return False  # not listening yet: don't let the client sit out its bootstrap timeout
        try:
            admin = KafkaAdminClient(bootstrap_servers=cfg.kafka_bootstrap, request_timeout_ms=3000,
                                     bootstrap_timeout_ms=3000, client_id="fraudctl-health")
        except (KafkaError, OSError, ValueError):
            return False
        try:
            admin.describe_cluster()  # a real metadata request
            return True
        except (KafkaError, OSError):
            return False
        finally:
            admin.close()


# Java 17 module flags Cassandra 5.0 needs (its own jvm17-server.options sets the same).
_CASSANDRA_JAVA17 = [
    "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
    "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-exports=java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
    "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
    "--add-exports=java.rmi/sun.rmi.server=ALL-UNNAMED",
    "--add-exports=java.sql/java.sql=ALL-UNNAMED",
    "--add-exports=java.base/java.lang.ref=ALL-UNNAMED",
    "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.module=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.loader=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.reflect=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.math=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.module=ALL-UNNAMED",
    "--add-opens=java.base/jdk.internal.util.jar=ALL-UNNAMED",
    "--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.math=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/java.net=ALL-UNNAMED",
]


@dataclass(frozen=True)
class Cassandra:
    name: str = "cassandra"

    def ports(self, cfg: StackConfig) -> dict[str, int]:
        return {"cassandra_port": cfg.cassandra_port, "cassandra_storage_port": cfg.cassandra_storage_port}

    def client_port(self, cfg: StackConfig) -> int:
        return cfg.cassandra_port

    def prepare(self, cfg: StackConfig, java: str) -> None:
        home = cfg.service_dir(self.name)
        dirs = {d: home / d for d in ("data", "commitlog", "saved_caches", "hints", "cdc_raw")}
        for d in dirs.values():
            d.mkdir(parents=True, exist_ok=True)
        (home / "cassandra.yaml").write_text(
            f"""cluster_name: fraud-local
num_tokens: 1
initial_token: 0
auto_bootstrap: false
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
data_file_directories: [{dirs['data']}]
commitlog_directory: {dirs['commitlog']}
saved_caches_directory: {dirs['saved_caches']}
hints_directory: {dirs['hints']}
cdc_raw_directory: {dirs['cdc_raw']}
commitlog_sync: periodic
commitlog_sync_period: 10000ms
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "{cfg.host}:{cfg.cassandra_storage_port}"
listen_address: {cfg.host}
rpc_address: {cfg.host}
storage_port: {cfg.cassandra_storage_port}
native_transport_port: {cfg.cassandra_port}
start_native_transport: true
endpoint_snitch: SimpleSnitch
authenticator: AllowAllAuthenticator
authorizer: AllowAllAuthorizer
concurrent_reads: 16
concurrent_writes: 32
concurrent_counter_writes: 16
memtable_allocation_type: offheap_objects
# A single laptop node: no waiting for peers that will never come.
phi_convict_threshold: 12
# Dropped test keyspaces need no snapshot; keeps DROP fast and the disk clean.
auto_snapshot: false
"""
        )
        (home / "logback.xml").write_text(
            """<configuration>
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="STDOUT"/></root>
</configuration>
"""
        )

    def command(self, cfg: StackConfig, java: str) -> list[str]:
        home = cfg.service_dir(self.name)
        jars = artifacts.cassandra_classpath()
        jamm = [j for j in jars if Path(j).name.startswith("jamm-")]
        return [
            java,
            *_jvm_common(cfg, self.name, cfg.cassandra_heap),
            *_CASSANDRA_JAVA17,
            *([f"-javaagent:{jamm[0]}"] if jamm else []),
            "-Djdk.attach.allowAttachSelf=true",
            "-XX:+UseStringDeduplication",
            "-XX:MaxDirectMemorySize=1g",
            f"-Dcassandra.config=file://{home / 'cassandra.yaml'}",
            f"-Dlogback.configurationFile={home / 'logback.xml'}",
            f"-Dcassandra.logdir={cfg.state_dir / 'logs'}",
            f"-Dcassandra.storagedir={home}",
            "-Dcassandra-foreground=yes",
            # One node: skip the gossip settle wait and ring delay meant for real clusters.
            "-Dcassandra.skip_wait_for_gossip_to_settle=0",
            "-Dcassandra.ring_delay_ms=0",
            "-Dcassandra.superuser_setup_delay_ms=0",
            "-cp",
            ":".join(jars),
            "org.apache.cassandra.service.CassandraDaemon",
        ]

    def healthy(self, cfg: StackConfig) -> bool:
        from cassandra.cluster import Cluster, NoHostAvailable

        if not _accepts_connections(cfg.host, cfg.cassandra_port):
            return False
        cluster = Cluster([cfg.host], port=cfg.cassandra_port, connect_timeout=3, control_connection_timeout=3)
        try:
            session = cluster.connect()
            session.execute("SELECT release_version FROM system.local", timeout=5)
            return True
        except (NoHostAvailable, OSError, Exception):  # any failure means "not yet"
            return False
        finally:
            cluster.shutdown()


SERVICES: dict[str, Service] = {"kafka": Kafka(), "cassandra": Cassandra()}
