"""The relay's partitioner puts every key where kafka-python's default (and the Java client) would."""

from __future__ import annotations

import random

from kafka.partitioner import DefaultPartitioner

from adapters.kafka_partitioner import RememberingPartitioner


class Cluster:
    """The two questions a partitioner asks of the cluster's metadata."""

    def __init__(self, partitions: int) -> None:
        self._partitions = set(range(partitions))

    def topics(self) -> set[str]:
        return {"t"}

    def partitions_for_topic(self, topic: str) -> set[int]:
        return self._partitions

    def available_partitions_for_topic(self, topic: str) -> set[int]:
        return self._partitions


def test_every_key_lands_on_the_partition_the_default_partitioner_chooses_asked_once_or_again() -> None:
    chance = random.Random(7)
    keys = [chance.randbytes(chance.randrange(0, 40)) for _ in range(2000)] + [b"", b"a", b"case-1"]
    remembering, default = RememberingPartitioner(), DefaultPartitioner()
    for partitions in (1, 3, 7, 12):
        cluster = Cluster(partitions)
        for key in keys + keys:
            assert (remembering.partition("t", key, key, None, b"v", cluster)
                    == default.partition("t", key, key, None, b"v", cluster))


def test_a_record_without_a_key_goes_to_some_partition() -> None:
    assert RememberingPartitioner().partition("t", None, None, None, b"v", Cluster(3)) in {0, 1, 2}
