"""Kafka records as inbound input, in either CloudEvents content mode.

Structured mode: the record's value is the whole CloudEvent as JSON, as a
line of a file would be. Binary mode (the CloudEvents Kafka binding): the
attributes travel as ``ce_`` headers, ``content-type`` is ``datacontenttype``
and the value is the data. A binary-mode record is rebuilt into the structured
document it stands for, so both modes pass the same validation and the same
event sent either way is the same input (a duplicate, not a conflict).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from casetrail.services.batches import RawInput
from casetrail.services.limits import KEPT_BYTES, MAX_LINE_BYTES, TooLong

CE_PREFIX = "ce_"
CONTENT_TYPE = "content-type"
# The Kafka binding: a record whose content-type is a CloudEvents format carries
# the whole event in its value (structured mode), whatever other headers say.
STRUCTURED_CONTENT_TYPE = "application/cloudevents"
REASON_HEADER = "casetrail_reason"

Headers = Sequence[tuple[str, bytes]]


@dataclass(frozen=True)
class RecordInput:
    """One consumed record: where it came from, its parts as they arrived, and the input they make."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Headers
    input: RawInput


def entrance(topic: str, partition: int, offset: int) -> str:
    return f"kafka:{topic}:{partition}:{offset}"


def record_input(topic: str, partition: int, offset: int, key: bytes | None, value: bytes | None,
                 headers: Headers) -> RecordInput:
    where = entrance(topic, partition, offset)
    size = len(value or b"") + sum(len(name) + len(header or b"") for name, header in headers)
    if size > MAX_LINE_BYTES:
        whole = value or b""
        raw_input = RawInput(raw=whole[:KEPT_BYTES], entrance=where,
                             too_long=TooLong(size, hashlib.sha256(whole).hexdigest()))
    else:
        raw = binary_mode_document(headers, value) if _is_binary_mode(headers) else (value or b"")
        raw_input = RawInput(raw=raw, entrance=where)
    return RecordInput(topic, partition, offset, key, value, list(headers), raw_input)


def _is_binary_mode(headers: Headers) -> bool:
    """Binary mode has ``ce_`` headers and no CloudEvents content type (the Kafka binding, 3.2)."""
    binary = False
    for name, header in headers:
        lowered = name.lower()
        if lowered == CONTENT_TYPE and (header or b"").decode("utf-8", "replace").strip().lower().startswith(
                STRUCTURED_CONTENT_TYPE):
            return False
        binary = binary or lowered == f"{CE_PREFIX}specversion"
    return binary


def binary_mode_document(headers: Headers, value: bytes | None, prefix: str = CE_PREFIX) -> bytes:
    """The structured CloudEvent a binary-mode record (or HTTP request, whose ``prefix`` is
    ``ce-``) stands for, as JSON bytes.

    A value that is not JSON is kept as text under ``data``, so validation
    rejects it naming ``data`` and the rejects store still holds what came.
    """
    document: dict[str, Any] = {}
    for name, raw_value in headers:
        lowered = name.lower()
        text = raw_value.decode("utf-8", "replace") if raw_value is not None else None
        if lowered.startswith(prefix):
            document[lowered[len(prefix):]] = text
        elif lowered == CONTENT_TYPE:
            document["datacontenttype"] = text
    if value is not None:
        try:
            document["data"] = orjson.loads(value)
        except orjson.JSONDecodeError:
            document["data"] = value.decode("utf-8", "replace")
    return orjson.dumps(document)


def rejected_headers(headers: Headers, reason: str) -> list[tuple[str, bytes]]:
    """The original headers plus why casetrail rejected the record."""
    return [*headers, (REASON_HEADER, reason.encode("utf-8"))]
