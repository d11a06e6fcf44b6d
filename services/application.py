"""What casetrail's applications share: one event log, our pydantic mapper,
and reading the streams a batch touches in one query."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast
from uuid import UUID

import structlog
from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError

from casetrail.domain.config import Config
from casetrail.domain.model import Aggregate
from casetrail.services.event_mapper import JSONTranscoder, PydanticMapper
from casetrail.services.ports import ChainedLog, InboundLedger

T = TypeVar("T")
# Two writers may race for the same stream or key; the loser re-reads and retries.
MAX_ATTEMPTS = 5
# Before retrying, the loser waits a random while up to this many seconds times the attempt:
# two writers retrying in step would collide again.
BACKOFF = 0.02

log = structlog.get_logger("casetrail")


def retrying(work: Callable[[], T]) -> T:
    """Run ``work``, which reads streams and writes to them, again when another writer got there first."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return work()
        except IntegrityError:
            if attempt == MAX_ATTEMPTS:
                raise
            log.info("raced another writer; reading again", attempt=attempt)
            time.sleep(random.uniform(0, BACKOFF * attempt))
    raise AssertionError("unreachable")


class CasetrailApplication(Application[UUID]):
    name = "casetrail"
    mapper: PydanticMapper  # made by construct_mapper

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # The library names each subclass after itself, and its tables after
        # the name: keep one name, so every application shares the one log.
        cls.name = CasetrailApplication.name

    def __init__(self, env: dict[str, str], config: Config) -> None:
        super().__init__(env)
        self.config = config

    def construct_mapper(self) -> PydanticMapper:
        # Keys are looked up when a sealed event is read, by which time the recorder exists.
        return PydanticMapper(JSONTranscoder(), party_keys=lambda parties: self.ledger.party_keys(parties))

    @property
    def ledger(self) -> InboundLedger:
        return cast(InboundLedger, self.recorder)

    @property
    def chained_log(self) -> ChainedLog:
        return cast(ChainedLog, self.recorder)

    def current_streams(self, ids: set[UUID]) -> dict[UUID, Aggregate]:
        """Every stream of ``ids`` that exists, as stored, read in one query."""
        current: dict[UUID, Aggregate] = {}
        for stream_id, stored in self.ledger.select_streams(sorted(ids)).items():
            aggregate = None
            for stored_event in stored:
                aggregate = cast(Aggregate.Event, self.mapper.to_domain_event(stored_event)).mutate(aggregate)
            current[stream_id] = cast(Aggregate, aggregate)
        return current
