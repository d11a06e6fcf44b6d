"""Stored events read back as they were written, and old shapes are upcast."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import uuid4

from eventsourcing.persistence import StoredEvent

from casetrail.domain.model import Aggregate
from casetrail.services.event_mapper import JSONTranscoder, PydanticMapper


class Room(Aggregate):
    class Renamed(Aggregate.Event):
        # Version 1 stored a single "name"; version 2 splits it.
        class_version: ClassVar[int] = 2
        property_name: str
        room_name: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["property_name"], state["room_name"] = state.pop("name").split(":")


def mapper() -> PydanticMapper:
    return PydanticMapper(transcoder=JSONTranscoder())


def test_an_event_stored_in_an_old_shape_reads_as_the_current_one() -> None:
    old_state = {"timestamp": "2024-06-01T10:00:00Z", "name": "seaside:standard"}
    stored = StoredEvent(originator_id=uuid4(), originator_version=1,
                         topic="tests.test_event_mapper:Room.Renamed", state=json.dumps(old_state).encode())
    event = mapper().to_domain_event(stored)
    assert (event.property_name, event.room_name) == ("seaside", "standard")


def test_a_current_event_round_trips_and_records_its_version() -> None:
    event = Room.Renamed(originator_id=uuid4(), originator_version=3, timestamp=datetime.now(UTC),
                         property_name="seaside", room_name="deluxe")
    stored = mapper().to_stored_event(event)
    assert json.loads(stored.state)["class_version"] == 2
    assert mapper().to_domain_event(stored) == event
