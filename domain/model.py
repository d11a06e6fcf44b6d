"""The building blocks every aggregate shares.

Events are frozen pydantic models (eventsourcing 9.5 ships no pydantic
mapper; ``services.event_mapper`` is ours). Facts reported by outside systems
can arrive in any order, so the first fact casetrail hears about a booking,
contact or case may be any of its events, not only its "created" one: every
event here can start its aggregate's stream.

Facts are appended knowing only their stream's head (``Aggregate.next_fact``),
and projections read the events, not the aggregates. Only a case is read back
as an aggregate, for the case desk to check a lead's change against it: only
the case's events say, in ``apply``, what they change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self
from uuid import UUID

from eventsourcing.domain import Aggregate as LibraryAggregate
from eventsourcing.domain import CanInitAggregate, CanMutateAggregate
from eventsourcing.utils import get_topic
from pydantic import AwareDatetime, BaseModel, ConfigDict


class Provenance(BaseModel):
    """The facts of the CloudEvent a stored event came from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    id: str
    type: str
    occurred_at: AwareDatetime
    reported_at: AwareDatetime
    received_at: AwareDatetime
    department: str
    actor: str | None = None
    role: str | None = None
    body_hash: str
    extensions: dict[str, Any] = {}


class DomainEvent(BaseModel):
    """Frozen pydantic base of every stored event; ``timestamp`` is when it was recorded."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    originator_id: UUID
    originator_version: int
    timestamp: datetime


class Aggregate(LibraryAggregate, created_event_name="Initialised"):
    """An eventsourcing aggregate whose stream may start with any of its events."""

    class Event(DomainEvent, CanMutateAggregate[UUID]):
        # Set only on the first event of a stream: which aggregate class to build.
        originator_topic: str | None = None

        def mutate(self, aggregate: Any) -> Any:
            if aggregate is None:
                # The library's creation, for whichever event starts the stream (it reads originator_topic).
                return CanInitAggregate.mutate(self, None)  # type: ignore[arg-type]
            return super().mutate(aggregate)

    # The library wants one "created" class per aggregate; ours never stores it,
    # and its name keeps "Created" free for facts such as booking.created.
    class Initialised(Event, CanInitAggregate[UUID]):
        originator_topic: str | None = None  # type: ignore[assignment]  # the library's is str: see Event

    # Shadows the library's dataclass ``Created``, which cannot mix with pydantic.
    Created = Initialised  # type: ignore[assignment]

    class Fact(Event):
        """An event that records something an outside system reported."""

        provenance: Provenance

    @classmethod
    def start(cls, aggregate_id: UUID, event_class: type[Aggregate.Event], **kwargs: Any) -> Self:
        """Begin a new stream with whichever event came first."""
        # The library types its event class as a "created" one; any of ours may start a stream (Event.mutate).
        return cls._create(event_class, id=aggregate_id, **kwargs)  # type: ignore[arg-type]

    @classmethod
    def record(
        cls,
        existing: Self | None,
        aggregate_id: UUID,
        event_class: type[Aggregate.Event],
        **kwargs: Any,
    ) -> Self:
        """Append an event to ``existing``, or start the stream with it."""
        if existing is None:
            return cls.start(aggregate_id, event_class, **kwargs)
        existing.trigger_event(event_class, **kwargs)
        return existing

    @classmethod
    def next_fact(cls, aggregate_id: UUID, head: int, event_class: type[Aggregate.Event], **kwargs: Any) -> Aggregate.Event:
        """The event that appends a reported fact to the stream whose last version is ``head`` (0: none yet).

        A fact from outside already happened: no state of the stream can refuse
        it, so it is appended knowing only the stream's head, without replaying
        the stream. Duplicates are refused before this, by the inbound ledger.
        """
        return event_class.model_validate(cls.next_fact_fields(aggregate_id, head, event_class, **kwargs))

    @classmethod
    def next_fact_fields(cls, aggregate_id: UUID, head: int, event_class: type[Aggregate.Event],
                         **kwargs: Any) -> dict[str, Any]:
        """The fields of ``next_fact``'s event, not yet validated: an ingestion that validated
        the reported ones already stores them as they are (``PydanticMapper.to_stored_fact``)."""
        fields = {"originator_id": aggregate_id, "originator_version": head + 1,
                  "timestamp": event_class.create_timestamp(), **kwargs}
        if head == 0:
            fields["originator_topic"] = get_topic(cls)
        return fields
