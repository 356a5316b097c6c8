"""Shared pytest configuration. Fixtures live in tests/harness/, one module per service,
loaded as plugins so every test folder sees them."""

pytest_plugins = [
    "harness.stack",   # real Kafka + Cassandra (fraudctl local), per-test topics/keyspaces
    "harness.spark",   # one local SparkSession per run
    "harness.kube",    # real kube-apiserver + etcd + kube-controller-manager
    "harness.helm",    # the real helm binary
]
