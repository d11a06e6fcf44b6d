"""Kafka's default key partitioning, with each key's hash remembered.

kafka-python hashes every key with a pure-Python murmur2, about 10 µs a
message; the relay sends a stream's id as the key of each of its events, so
busy streams' keys come back again and again. The partitions are exactly
those of kafka-python's ``DefaultPartitioner`` and the Java client.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from kafka.partitioner import DefaultPartitioner
from kafka.partitioner.default import murmur2

_hash = lru_cache(maxsize=200_000)(murmur2)


class RememberingPartitioner(DefaultPartitioner):  # type: ignore[misc]  # kafka-python is untyped: its base is Any
    def partition(self, topic: str, key: Any, serialized_key: bytes | None, value: Any,
                  serialized_value: bytes | None, cluster: Any) -> int:
        if serialized_key is None:
            return int(super().partition(topic, key, serialized_key, value, serialized_value, cluster))
        partitions = cluster.partitions_for_topic(topic)
        if partitions is None:
            raise ValueError(f"Topic {topic} not found in ClusterMetadata")
        ordered = sorted(partitions)
        return int(ordered[(_hash(serialized_key) & 0x7FFFFFFF) % len(ordered)])
