"""Kafka records in binary content mode become the structured input they stand for."""

from __future__ import annotations

import json

from casetrail.adapters.kafka.records import record_input
from casetrail.services.parsing import Invalid, parse_event

HEADERS = [("ce_specversion", b"1.0"), ("ce_id", b"pay-1"), ("ce_source", b"web:checkout"),
           ("ce_type", b"payment.failed"), ("ce_time", b"2024-05-02T10:00:00+02:00"),
           ("content-type", b"application/json")]
DATA = {"attempt_ref": "P-1", "guest_ref": "g-1", "booking_ref": "B-1", "currency": "EUR",
        "reason": "declined"}


def test_a_binary_mode_record_is_the_same_input_as_its_structured_twin() -> None:
    binary = record_input("t", 0, 7, b"B-1", json.dumps(DATA).encode(), HEADERS)
    structured = json.dumps({"specversion": "1.0", "id": "pay-1", "source": "web:checkout",
                             "type": "payment.failed", "time": "2024-05-02T10:00:00+02:00",
                             "datacontenttype": "application/json", "data": DATA}).encode()
    assert binary.input.entrance == "kafka:t:0:7"
    parsed_binary, parsed_structured = parse_event(binary.input.raw), parse_event(structured)
    assert not isinstance(parsed_binary, Invalid), parsed_binary
    assert not isinstance(parsed_structured, Invalid)
    assert parsed_binary.body_hash == parsed_structured.body_hash


def test_a_binary_mode_record_with_a_naive_time_or_a_value_that_is_not_json_is_rejected_naming_the_field() -> None:
    naive = [(name, b"2024-05-02T10:00:00" if name == "ce_time" else value) for name, value in HEADERS]
    rejected = parse_event(record_input("t", 0, 1, None, json.dumps(DATA).encode(), naive).input.raw)
    assert isinstance(rejected, Invalid) and rejected.reason.startswith("time: ")
    garbled = parse_event(record_input("t", 0, 2, None, b"not json", HEADERS).input.raw)
    assert isinstance(garbled, Invalid) and garbled.reason.startswith("data: ")


def test_a_record_without_ce_headers_is_structured_mode_and_kept_byte_for_byte() -> None:
    value = b'{"specversion": "1.0"}'
    assert record_input("t", 1, 2, None, value, [("content-type", b"application/cloudevents+json")]).input.raw == value
