"""Aggregate rules that hold whatever order facts arrive in."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest
from pydantic import ValidationError

from domain.inventory import Inventory
from domain.model import Provenance

NOW = datetime(2024, 6, 3, 6, 0, tzinfo=UTC)


def facts(source_id: str, body_hash: str = "h") -> Provenance:
    return Provenance(source="pms:seaside", id=source_id, type="inventory.closed", occurred_at=NOW,
                      reported_at=NOW, received_at=NOW, department="front_office", body_hash=body_hash)


def closed(night: date, channels: list[str]) -> dict[str, object]:
    return {"resource": "seaside:standard", "night": night, "from_date": night, "to_date": night, "channels": channels}


def test_a_stream_may_start_with_any_of_its_events() -> None:
    night = date(2024, 6, 21)
    inventory = Inventory.record(None, uuid4(), Inventory.Closed, provenance=facts("1"), **closed(night, ["ota:x"]))
    assert inventory.version == 1 and inventory.is_closed_for("ota:x") and not inventory.is_closed_for("phone")
    replayed = None
    for event in inventory.collect_events():
        replayed = event.mutate(replayed)
    assert replayed == inventory


def test_a_stop_sell_on_all_channels_closes_every_channel_until_opened() -> None:
    night = date(2024, 6, 21)
    inventory = Inventory.record(None, uuid4(), Inventory.Closed, provenance=facts("1"), **closed(night, ["*"]))
    assert inventory.is_closed_for("ota:booking.com")
    Inventory.record(inventory, inventory.id, Inventory.Opened, provenance=facts("2"), **closed(night, ["*"]))
    assert not inventory.is_closed_for("ota:booking.com")


def test_facts_appended_by_their_head_replay_into_the_same_aggregate_as_recorded_ones() -> None:
    night, stream = date(2024, 6, 21), uuid4()
    first = Inventory.next_fact(stream, 0, Inventory.Closed, provenance=facts("1"), **closed(night, ["*"]))
    second = Inventory.next_fact(stream, 1, Inventory.Opened, provenance=facts("2"), **closed(night, ["*"]))
    assert (first.originator_version, second.originator_version) == (1, 2)
    assert first.originator_topic == "domain.inventory:Inventory" and second.originator_topic is None
    recorded = Inventory.record(None, stream, Inventory.Closed, provenance=facts("1"), **closed(night, ["*"]))
    Inventory.record(recorded, stream, Inventory.Opened, provenance=facts("2"), **closed(night, ["*"]))
    replayed = second.mutate(first.mutate(None))
    assert replayed.version == recorded.version == 2
    assert replayed.closed_channels == recorded.closed_channels == set()


def test_a_fact_that_does_not_fit_its_event_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError, match="available"):
        Inventory.next_fact(uuid4(), 0, Inventory.AvailabilitySet, provenance=facts("1"),
                            resource="seaside:standard", night=date(2024, 6, 21), available="four")
