"""The ingestion stores a reported fact without building its domain event
(``PydanticMapper.to_stored_fact``) and validates an inbound event in one pass
(``parsing.validate_event``): both must give exactly what the domain's own
events and the step-by-step validation give, for every inbound type."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casetrail.domain.catalogue import ACCEPTED
from casetrail.services.event_mapper import JSONTranscoder, PydanticMapper
from casetrail.services.inbound import Envelope, InboundEvent
from casetrail.services.parsing import Invalid, _validate_in_steps, validate_event
from casetrail.services.personal_data import new_key, seal_fields, to_seal
from casetrail.services.routing import targets
from tests.test_inbound_types import EXAMPLES, make
from tests.unit.test_catalogue import sample_events

MAPPER = PydanticMapper(transcoder=JSONTranscoder())
RECEIVED = datetime(2024, 6, 3, 6, 0, 0, 123456, tzinfo=UTC)


def provenance(event: InboundEvent) -> dict[str, Any]:
    envelope = event.envelope
    return {"source": envelope.source, "id": envelope.id, "type": envelope.type, "occurred_at": envelope.time,
            "reported_at": envelope.reportedat or RECEIVED, "received_at": RECEIVED,
            "department": envelope.department or "front_office", "actor": envelope.actor,
            "role": envelope.actorrole, "body_hash": event.body_hash, "extensions": envelope.extensions}


def assert_stored_alike(document: dict[str, Any]) -> None:
    """Each stream's stored event of ``document``, lean and as the domain's event, at a stream's
    start and further on, with personal fields sealed where the type has them."""
    event = validate_event(document)
    assert isinstance(event, InboundEvent), event
    entry = ACCEPTED[event.envelope.type]
    party = to_seal(entry, event.data)
    key = new_key()
    found = targets(event.envelope.type, event.data)
    assert found
    for target in found:
        reported = target.fields if party is None else seal_fields(target.fields, entry, party, key)
        for head in (0, 7):
            fields = target.aggregate_class.next_fact_fields(target.aggregate_id, head, target.event_class,
                                                             provenance=provenance(event), **reported)
            domain_event = target.event_class.model_validate(fields)
            assert MAPPER.to_stored_fact(target.event_class, fields) == MAPPER.to_stored_event(domain_event)


def assert_validated_alike(document: dict[str, Any]) -> None:
    once, in_steps = validate_event(document), _validate_in_steps(document)
    assert isinstance(once, InboundEvent) and isinstance(in_steps, InboundEvent)
    assert once.data == in_steps.data and once.body_hash == in_steps.body_hash
    assert once.envelope.model_dump(exclude={"data"}) == in_steps.envelope.model_dump(exclude={"data"})
    assert once.envelope.extensions == in_steps.envelope.extensions


def example(event_type: str, **attributes: Any) -> dict[str, Any]:
    document: dict[str, Any] = orjson.loads(make(event_type, EXAMPLES[event_type], **attributes))
    return document


# Each type's example and every sample event of it.
DOCUMENTS = {name: [example(name), *(event for event in sample_events() if event["type"] == name)]
             for name in sorted(EXAMPLES)}


@pytest.mark.parametrize("event_type", DOCUMENTS)
def test_a_fact_is_stored_as_its_domain_event_would_be(event_type: str) -> None:
    for document in DOCUMENTS[event_type]:
        assert_stored_alike(document)


@pytest.mark.parametrize("event_type", DOCUMENTS)
def test_one_pass_validates_as_the_steps_do(event_type: str) -> None:
    for document in DOCUMENTS[event_type]:
        assert_validated_alike(document)


def test_every_inbound_type_and_sample_is_compared() -> None:
    assert set(DOCUMENTS) == set(ACCEPTED)
    assert sum(map(len, DOCUMENTS.values())) == len(EXAMPLES) + len(sample_events())


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)
OFFSETS = st.integers(-14 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
# Attributes the envelope reads, which an extension must not be.
READ = frozenset(Envelope.model_fields)
TIMES = st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2199, 12, 30), timezones=OFFSETS)


@settings(max_examples=150, deadline=None)
@given(event_type=st.sampled_from(sorted(EXAMPLES)), time=TIMES, reported=st.none() | TIMES,
       actor=st.none() | st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20),
       extensions=st.dictionaries(st.from_regex(r"[a-z][a-z0-9]{0,10}", fullmatch=True), JSON_VALUES, max_size=3))
def test_any_envelope_is_stored_and_validated_alike(event_type: str, time: datetime, reported: datetime | None,
                                                    actor: str | None, extensions: dict[str, Any]) -> None:
    attributes = {name: value for name, value in extensions.items() if name not in READ}
    document = example(event_type, **attributes)
    document["time"] = time.isoformat()
    if reported is not None:
        document["reportedat"] = reported.isoformat()
    if actor is not None:
        document["actor"] = actor
    assert not isinstance(validate_event(document), Invalid)
    assert_validated_alike(document)
    assert_stored_alike(document)

