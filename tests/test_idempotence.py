"""The same input twice changes nothing; input in any order is accepted."""

from __future__ import annotations

import random
from typing import Any

import pytest

from casetrail.domain import ids
from casetrail.domain.booking import Booking
from casetrail.services.ingestion import Ingestion
from tests.conftest import all_scenario_lines, inputs


def log_size(app: Ingestion) -> int:
    return app.recorder.max_notification_id() or 0


def test_the_same_file_ingested_twice_changes_nothing(ingestion: Ingestion) -> None:
    lines = all_scenario_lines() + [b"garbage"]
    first = ingestion.ingest(inputs(lines))
    size, rejects = log_size(ingestion), ingestion.ledger.rejected_inputs()
    second = ingestion.ingest(inputs(lines))
    assert (first.accepted, first.rejected) == (len(lines) - 1, 1)
    assert (second.accepted, second.duplicates, second.rejected) == (0, len(lines) - 1, 1)
    assert log_size(ingestion) == size
    assert ingestion.ledger.rejected_inputs() == rejects


def test_duplicates_within_one_batch_are_stored_once(ingestion: Ingestion) -> None:
    lines = all_scenario_lines()
    counts = ingestion.ingest(inputs(lines + lines), batch_size=10_000)
    assert (counts.accepted, counts.duplicates) == (len(lines), len(lines))


def test_input_in_any_order_is_accepted_and_gives_the_same_streams(ingestion: Ingestion) -> None:
    lines = all_scenario_lines()
    random.Random(3).shuffle(lines)
    counts = ingestion.ingest(inputs(lines), batch_size=7)
    assert (counts.accepted, counts.rejected) == (len(lines), 0)
    per_type = ingestion.ledger.accepted_counts()
    assert per_type["booking.created"] == 7 and per_type["case.opened"] == 45


def test_a_fact_before_the_one_that_creates_its_subject_starts_the_stream(ingestion: Ingestion) -> None:
    lines = [line for line in all_scenario_lines() if b'"G-77"' in line]
    ingestion.ingest(inputs(list(reversed(lines))))
    modified, step, created = ingestion.events.get(ids.booking_id("G-77"))
    assert (type(modified), type(step), type(created)) == (
        Booking.Modified, Booking.ProcedureStepRecorded, Booking.Created)
    assert modified.originator_topic == "casetrail.domain.booking:Booking"
    assert created.resource == "harbour:deluxe" and (step.procedure, step.step) == ("phone_booking", "confirmation_sent")
    assert ingestion.repository.get(ids.booking_id("G-77")).version == 3  # the stream replays


def test_a_batch_whose_save_fails_leaves_no_events_keys_or_rejects(
    ingestion: Ingestion, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = ingestion.recorder
    # The last write of the transaction: events and ledger rows are both written by then.
    last = "_insert_stored_events" if hasattr(recorder, "_insert_stored_events") else "_insert_events"
    write_rows = getattr(recorder, last)

    def write_then_fail(*args: Any, **kwargs: Any) -> Any:
        write_rows(*args, **kwargs)
        raise RuntimeError("disk full")  # everything written in the transaction must roll back

    monkeypatch.setattr(recorder, last, write_then_fail)
    with pytest.raises(RuntimeError):
        ingestion.ingest(inputs(all_scenario_lines()[:20] + [b"bad"]))
    monkeypatch.undo()
    assert log_size(ingestion) == 0
    assert ingestion.ledger.rejected_inputs() == []
    assert ingestion.ledger.accepted_counts() == {}
