"""Real Kafka and Cassandra as local processes, for laptops and tests.

`fraudctl local up|status|down|logs` is a thin CLI over :class:`LocalStack`. Artifacts come
from Maven Central (poms/ in this package, resolved with ``mvn``) and are cached by version
outside the checkout; data and logs live under one state directory.
"""

from fraud_jobs.localstack.config import StackConfig
from fraud_jobs.localstack.stack import LocalStack, ServiceStatus, StackError

__all__ = ["LocalStack", "ServiceStatus", "StackConfig", "StackError"]
