"""Where the Kafka cluster is, how casetrail's clients talk to it, and the topics they need."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import structlog

log = structlog.get_logger("casetrail.kafka")

DEFAULT_BOOTSTRAP = "127.0.0.1:9092"
DEFAULT_PARTITIONS = 3
# Where ``casetrail checkpoint --publish`` sends each signed checkpoint, keyed by the log's origin.
CHECKPOINTS_TOPIC = "casetrail.checkpoints"


@dataclass(frozen=True)
class KafkaSettings:
    bootstrap: str = DEFAULT_BOOTSTRAP
    # A dead member's partitions wait this long before another member takes them.
    session_timeout_ms: int = 10_000
    partitions: int = DEFAULT_PARTITIONS
    client_id: str = "casetrail"
    # How long a client waits for a first answer from the cluster when it starts:
    # a broker that is down is said so promptly, and a stop request is not kept waiting.
    bootstrap_timeout_ms: int = 5_000

    @classmethod
    def from_environment(cls, session_timeout_ms: int | None = None) -> KafkaSettings:
        env = os.environ
        return cls(
            bootstrap=env.get("CASETRAIL_KAFKA_BOOTSTRAP") or DEFAULT_BOOTSTRAP,
            session_timeout_ms=session_timeout_ms or cls.session_timeout_ms,
        )

    @property
    def servers(self) -> list[str]:
        return [server.strip() for server in self.bootstrap.split(",") if server.strip()]

    def client_options(self) -> dict[str, Any]:
        return {"bootstrap_servers": self.servers, "client_id": self.client_id,
                "bootstrap_timeout_ms": self.bootstrap_timeout_ms}

    def consumer_options(self) -> dict[str, Any]:
        return {**self.client_options(), "session_timeout_ms": self.session_timeout_ms,
                "heartbeat_interval_ms": max(self.session_timeout_ms // 4, 100)}


def ensure_topics(kafka: KafkaSettings, topics: Sequence[str]) -> None:
    """Create the topics that do not exist yet; a cluster that forbids it must have them made beforehand."""
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = KafkaAdminClient(**kafka.client_options())
    try:
        missing = sorted(set(topics) - set(admin.list_topics()))
        for topic in missing:
            try:
                admin.create_topics([NewTopic(topic, num_partitions=kafka.partitions, replication_factor=1)])
                log.info("topic created", topic=topic, partitions=kafka.partitions)
            except TopicAlreadyExistsError:
                pass  # another process made it meanwhile
    finally:
        admin.close()


def broker_problem(error: BaseException) -> str:
    """The one line that says why the cluster of CASETRAIL_KAFKA_BOOTSTRAP could not be used."""
    from kafka.errors import KafkaTimeoutError

    from casetrail.adapters.storage.outages import first_line

    bootstrap_servers = KafkaSettings.from_environment().bootstrap
    if isinstance(error, KafkaTimeoutError) and "bootstrap" in str(error).lower():
        return f"kafka: no broker answered at {bootstrap_servers} within {KafkaSettings.bootstrap_timeout_ms / 1000:g} s"
    return f"kafka: cannot use {bootstrap_servers}: {first_line(error)}"
