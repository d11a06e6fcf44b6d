"""The relay's partitioner puts every key where kafka-python's default (and the Java client) would."""

from __future__ import annotations

import random

import pytest
from kafka.partitioner import DefaultPartitioner

from casetrail.adapters.kafka.partitioner import RememberingPartitioner, _hash


class Cluster:
    """The two questions a partitioner asks of the cluster's metadata."""

    def __init__(self, partitions: int, available: set[int] | None = None) -> None:
        self._partitions = set(range(partitions))
        self._available = self._partitions if available is None else available

    def topics(self) -> set[str]:
        return {"t"}

    def partitions_for_topic(self, topic: str) -> set[int]:
        return self._partitions

    def available_partitions_for_topic(self, topic: str) -> set[int]:
        return self._available


# Apache Kafka, clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java, testMurmur2:
# what the Java client's Utils.murmur2 returns (a signed Java int) for these keys.
JAVA_MURMUR2 = {
    b"21": -973932308,
    b"foobar": -790332482,
    b"a-little-bit-long-string": -985981536,
    b"a-little-bit-longer-string": -1486304829,
    b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
    b"abc": 479470107,
}

# kafka-python, test/test_partitioner.py, test_murmur2_java_compatibility: the partition out of 1000
# that the Java producer's default partitioner (toPositive(murmur2(key)) % 1000) chooses for these keys.
JAVA_PARTITION_OF_1000 = {b"": 681, b"a": 524, b"ab": 434, b"abc": 107, b"123456789": 566, b"\x00 ": 742}


@pytest.mark.parametrize("key", JAVA_MURMUR2)
def test_a_key_hashes_as_the_java_client_hashes_it(key: bytes) -> None:
    assert _hash(key) == JAVA_MURMUR2[key] & 0xFFFFFFFF  # the same 32 bits, read unsigned


@pytest.mark.parametrize("partitions", [1, 3, 7, 12, 1000])
@pytest.mark.parametrize("key", JAVA_MURMUR2)
def test_a_key_lands_on_the_partition_the_java_client_chooses(key: bytes, partitions: int) -> None:
    to_positive = JAVA_MURMUR2[key] & 0x7FFFFFFF  # Utils.toPositive
    expected = to_positive % partitions
    for _ in range(2):  # asked again, from the remembered hash
        assert RememberingPartitioner().partition("t", key, key, None, b"v", Cluster(partitions)) == expected


@pytest.mark.parametrize("key", JAVA_PARTITION_OF_1000)
def test_the_java_producers_partitions_out_of_a_thousand(key: bytes) -> None:
    assert RememberingPartitioner().partition("t", key, key, None, b"v", Cluster(1000)) == JAVA_PARTITION_OF_1000[key]


def test_every_key_lands_on_the_partition_the_default_partitioner_chooses_asked_once_or_again() -> None:
    chance = random.Random(7)
    keys = [chance.randbytes(chance.randrange(0, 40)) for _ in range(2000)] + [b"", b"a", b"case-1"]
    remembering, default = RememberingPartitioner(), DefaultPartitioner()
    for partitions in (1, 3, 7, 12):
        cluster = Cluster(partitions)
        for key in keys + keys:
            assert (remembering.partition("t", key, key, None, b"v", cluster)
                    == default.partition("t", key, key, None, b"v", cluster))


def test_a_record_without_a_key_goes_to_an_available_partition_or_any_when_none_is() -> None:
    partitioner = RememberingPartitioner()
    state = random.getstate()
    random.seed(11)  # kafka-python draws a keyless record's partition from the module's generator
    try:
        assert {partitioner.partition("t", None, None, None, b"v", Cluster(3, {2})) for _ in range(50)} == {2}
        assert {partitioner.partition("t", None, None, None, b"v", Cluster(3, {0, 2})) for _ in range(200)} == {0, 2}
        assert {partitioner.partition("t", None, None, None, b"v", Cluster(3, set())) for _ in range(200)} == {0, 1, 2}
    finally:
        random.setstate(state)
