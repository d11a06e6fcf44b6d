"""Bad input is rejected with a reason naming the field, kept byte for byte,
and never stops the valid input beside it."""

from __future__ import annotations

import json

import pytest

from casetrail.services.ingestion import Ingestion
from tests.conftest import inputs, lines_of

VALID = json.loads(lines_of("01-overbooking-after-stop-sell.jsonl")[0])  # an inventory.set


def variant(change: dict, drop: str | None = None, drop_data: str | None = None, **data: object) -> bytes:
    document = json.loads(json.dumps(VALID))
    document.update(change)
    document["data"].update(data)
    if drop:
        del document[drop]
    if drop_data:
        del document["data"][drop_data]
    return json.dumps(document).encode()


BAD_INPUTS = {
    "not JSON": (b'{"specversion": "1.0", "id": ', "not JSON"),
    "not a CloudEvent": (b'["an", "array"]', "not a CloudEvent"),
    "no specversion": (variant({}, drop="specversion"), "not a CloudEvent: specversion is missing"),
    "missing attribute": (variant({}, drop="source"), "source: required attribute is missing"),
    "missing data field": (variant({}, drop_data="available"), "data.available: required field is missing"),
    "naive timestamp": (variant({"time": "2019-06-20T08:00:00"}),
                        "time: timestamp has no UTC offset; add Z or +hh:mm (got '2019-06-20T08:00:00')"),
    "naive reportedat": (variant({"reportedat": "2019-06-20T08:00:00"}), "reportedat: timestamp"),
    "unknown type": (variant({"type": "booking.teleported"}), "type: unknown event type 'booking.teleported'"),
    "unknown data field": (variant({}, availabel=3), "data.availabel: unknown field"),
    "wrong field type": (variant({}, available="four"), "data.available: input should be a valid integer"),
    "negative count": (variant({}, available=-1), "data.available: input should be greater than or equal to 0"),
    "bad source": (variant({"source": "seaside"}), "source: must be a URI-reference of the form kind:name"),
    "wrong specversion": (variant({"specversion": "0.3"}), "specversion: input should be '1.0'"),
}


@pytest.mark.parametrize("kind", BAD_INPUTS)
def test_each_kind_of_bad_input_is_rejected_with_a_reason_naming_the_field(ingestion: Ingestion, kind: str) -> None:
    raw, expected_reason = BAD_INPUTS[kind]
    counts = ingestion.ingest(inputs([raw]))
    assert (counts.accepted, counts.rejected) == (0, 1)
    [reject] = ingestion.ledger.rejected_inputs()
    assert reject.reason.startswith(expected_reason), reject.reason
    assert reject.raw == raw


def test_a_conflicting_body_under_a_known_key_is_rejected_and_the_first_stands(ingestion: Ingestion) -> None:
    first = variant({})
    changed = variant({}, available=9)
    ingestion.ingest(inputs([first]))
    counts = ingestion.ingest(inputs([changed]))
    assert (counts.accepted, counts.duplicates, counts.rejected) == (0, 0, 1)
    [reject] = ingestion.ledger.rejected_inputs()
    assert reject.reason.startswith("conflict: pms:seaside#inv-0621")
    assert reject.raw == changed
    [stored] = ingestion.recorder.select_notifications(start=1, limit=10)
    assert ingestion.mapper.to_domain_event(stored).available == 4


def test_a_conflict_within_one_batch_keeps_the_first_line(ingestion: Ingestion) -> None:
    counts = ingestion.ingest(inputs([variant({}), variant({}, available=9), variant({})]))
    assert (counts.accepted, counts.duplicates, counts.rejected) == (1, 1, 1)


def test_valid_lines_beside_bad_ones_are_stored(ingestion: Ingestion) -> None:
    good = lines_of("01-overbooking-after-stop-sell.jsonl")
    bad = [raw for raw, _ in BAD_INPUTS.values()]
    mixed = [line for pair in zip(good, bad) for line in pair] + bad[len(good):]
    counts = ingestion.ingest(inputs(mixed), batch_size=5)
    assert (counts.accepted, counts.rejected) == (len(good), len(bad))
    assert len(ingestion.ledger.rejected_inputs()) == len(bad)
    assert sum(ingestion.ledger.accepted_counts().values()) == len(good)


def test_a_rejected_input_received_again_is_kept_once(ingestion: Ingestion) -> None:
    raw = b"not json at all"
    ingestion.ingest(inputs([raw]))
    counts = ingestion.ingest(inputs([raw]))
    assert counts.rejected == 1
    assert len(ingestion.ledger.rejected_inputs()) == 1


def test_bytes_that_are_not_utf8_are_kept_exactly(ingestion: Ingestion) -> None:
    raw = b'{"id": "\xff\xfe"}'
    ingestion.ingest(inputs([raw]))
    [reject] = ingestion.ledger.rejected_inputs()
    assert reject.raw == raw
    assert reject.reason.startswith("not JSON")


def test_a_case_of_a_category_the_configuration_does_not_list_is_rejected(ingestion: Ingestion) -> None:
    case = json.dumps({"specversion": "1.0", "id": "zd-1", "source": "helpdesk:zendesk", "type": "case.opened",
                       "time": "2024-06-03T13:00:00+07:00",
                       "data": {"case_ref": "ZD-1", "category": "ratediscrepancy", "summary": "typo"}}).encode()
    counts = ingestion.ingest(inputs([case]))
    assert (counts.accepted, counts.rejected) == (0, 1)
    [reject] = ingestion.ledger.rejected_inputs()
    assert reject.reason.startswith("data.category: 'ratediscrepancy' is not a configured category")
