"""Aggregate rules that hold whatever order facts arrive in."""

from __future__ import annotations

from datetime import date, datetime, timezone
from uuid import uuid4

import pytest

from domain.errors import ConflictingFact, DuplicateFact
from domain.inventory import Inventory
from domain.model import Provenance

NOW = datetime(2024, 6, 3, 6, 0, tzinfo=timezone.utc)


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


def test_the_same_fact_twice_on_one_stream_is_a_duplicate_and_another_body_a_conflict() -> None:
    inventory = Inventory.record(None, uuid4(), Inventory.AvailabilitySet, provenance=facts("1"),
                                 resource="seaside:standard", night=date(2024, 6, 21), available=4)
    with pytest.raises(DuplicateFact):
        inventory.check_fact_is_new(facts("1"))
    with pytest.raises(ConflictingFact):
        inventory.check_fact_is_new(facts("1", body_hash="other"))
    inventory.check_fact_is_new(facts("2"))
