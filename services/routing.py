"""Which streams an inbound event lands on, and the event it records on each (``domain.catalogue``).

Every stream is named by the natural key in the event's data (``domain.ids``),
so the same input always lands on the same stream.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from casetrail.domain.catalogue import CATALOGUE, Landing
from casetrail.domain.model import Aggregate


@dataclass(frozen=True)
class Target:
    """One event to record on one aggregate."""

    aggregate_class: type[Aggregate]
    aggregate_id: UUID
    event_class: type[Aggregate.Event]
    fields: dict[str, Any]


def targets(event_type: str, data: BaseModel) -> list[Target]:
    # The data model is the stored event's payload: its fields are stored as they are named.
    fields = data.model_dump(exclude_none=True)
    found = []
    for landing in CATALOGUE[event_type].lands_on:
        if landing.each_night:
            found += _each_night(landing, landing.each_night, fields)
        elif all(key in fields for key in landing.stream.key):
            found.append(_target(landing, fields))
    return found


def _target(landing: Landing, fields: dict[str, Any]) -> Target:
    stored = landing.stored_fields
    if not fields.keys() <= stored:  # a step's other subject belongs to its other stream
        fields = {name: value for name, value in fields.items() if name in stored}
    stream = landing.stream
    return Target(stream.aggregate, stream.stream_id(*(fields[key] for key in stream.key)), landing.event, fields)


def _each_night(landing: Landing, dates: tuple[str, str], fields: dict[str, Any]) -> list[Target]:
    # A stop-sell is recorded on every night it covers (the night is the second half of its
    # stream's key), so each night's stream knows which channels may sell it.
    first, last = (fields[name] for name in dates)
    return [_target(landing, {**fields, "night": first + timedelta(days=n)}) for n in range((last - first).days + 1)]
