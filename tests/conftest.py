"""Shared pytest configuration. Fixtures live in tests/harness/, one module per service
(stack: Kafka + Cassandra, spark, kube: the API server, helm), each loaded as a plugin so
every test folder sees them. Test file names must be unique across tests/."""

from pathlib import Path

pytest_plugins = sorted(
    f"harness.{path.stem}" for path in (Path(__file__).parent / "harness").glob("*.py") if path.stem != "__init__"
)
