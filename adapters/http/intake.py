"""CloudEvents over HTTP (the HTTP protocol binding) as the inputs ``casetrail ingest`` takes.

Structured mode: the body is one event. Batch mode: the body is a JSON array
of events. Binary mode: the attributes travel as ``ce-`` headers, the
content type is ``datacontenttype`` and the body is the data; the request is
rebuilt into the structured event it stands for, as a binary-mode Kafka record
is, so the same event sent either way is one input (a duplicate, not a conflict).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from urllib.parse import unquote_to_bytes

import orjson
from starlette.requests import Request

from casetrail.adapters.http.problems import Problem
from casetrail.adapters.kafka.records import binary_mode_document
from casetrail.services.batches import RawInput
from casetrail.services.limits import KEPT_BYTES, MAX_LINE_BYTES, TooLong

STRUCTURED = "application/cloudevents+json"
BATCH = "application/cloudevents-batch+json"
BINARY_PREFIX = "ce-"


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, refused (413) past ``limit`` bytes whether or not it said its length."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> Problem:
    return Problem(413, f"body: over the limit of {limit:,} bytes; nothing was stored", parameter="body")


def inputs(headers: Sequence[tuple[bytes, bytes]], body: bytes, entrance: str) -> list[RawInput]:
    """The inputs a request carries, the n-th at ``{entrance}:{n}``; 415 for a content type of no mode."""
    content_type = ""
    binary = False
    for name, value in headers:
        if name.lower() == b"content-type":
            content_type = value.decode("latin-1").split(";")[0].strip().lower()
        binary = binary or name.lower() == b"ce-specversion"
    if content_type == STRUCTURED:
        return [_input(body, f"{entrance}:0")]
    if content_type == BATCH:
        return [_input(orjson.dumps(event), f"{entrance}:{index}") for index, event in enumerate(_batch(body))]
    if binary:
        return [_input(_binary_document(headers, body), f"{entrance}:0")]
    raise Problem(415, f"content-type: {content_type or 'none'} is not a CloudEvents mode; send {STRUCTURED}, "
                       f"{BATCH}, or the binary mode's ce- headers", parameter="content-type")


def _batch(body: bytes) -> list[object]:
    try:
        events = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise Problem(400, f"body: not JSON: {error}; nothing was stored", parameter="body") from None
    if not isinstance(events, list):
        raise Problem(400, "body: a batch is a JSON array of CloudEvents; nothing was stored", parameter="body")
    return events


def _binary_document(headers: Sequence[tuple[bytes, bytes]], body: bytes) -> bytes:
    # The binding percent-encodes header values outside printable ASCII.
    attributes = [(name.decode("latin-1"), unquote_to_bytes(value.decode("latin-1")) if name.lower().startswith(
        BINARY_PREFIX.encode()) else value) for name, value in headers]
    return binary_mode_document(attributes, body, prefix=BINARY_PREFIX)


def _input(raw: bytes, entrance: str) -> RawInput:
    if len(raw) > MAX_LINE_BYTES:
        return RawInput(raw=raw[:KEPT_BYTES], entrance=entrance,
                        too_long=TooLong(len(raw), hashlib.sha256(raw).hexdigest()))
    return RawInput(raw=raw, entrance=entrance)
