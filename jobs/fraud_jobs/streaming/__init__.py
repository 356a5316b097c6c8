"""The streaming scoring job's parts, one concern per module.

records    parse and validate a Kafka message (pure Python, the dead-letter reasons)
customers  the customer table held in memory and refreshed periodically
history    each card's recent transactions for the point-in-time features
models     which model version scores a batch, switched between batches
sink       Cassandra writes: rows, feed, dead letters, then offsets
"""
