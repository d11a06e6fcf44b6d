"""Turns raw bytes from any entrance into a valid inbound event or a reason.

A reason always names the field (``data.nights``) and says what was wrong, so
the system that sent it can be fixed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import ValidationError

from services.inbound import DATA_MODELS, Envelope, InboundEvent

REQUIRED_ATTRIBUTES = ("id", "source", "type", "time", "data")
READ_ATTRIBUTES = frozenset(Envelope.model_fields)


@dataclass(frozen=True)
class Invalid:
    reason: str


def body_hash(document: dict[str, Any]) -> str:
    """A hash of what casetrail reads of an event, ignoring key order, white space
    and unknown extensions (a gateway may stamp a new trace id on a redelivery).

    Stored with every accepted key: changing how it is computed would turn
    old duplicates into conflicts.
    """
    read = {name: value for name, value in document.items() if name in READ_ATTRIBUTES}
    return hashlib.sha256(orjson.dumps(read, option=orjson.OPT_SORT_KEYS)).hexdigest()


def parse_event(raw: bytes) -> InboundEvent | Invalid:
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        return Invalid(f"not JSON: {error}")
    return validate_event(document)


def validate_event(document: Any) -> InboundEvent | Invalid:
    """Validate an already decoded structured-mode CloudEvent."""
    if not isinstance(document, dict):
        return Invalid(f"not a CloudEvent: expected a JSON object, got {_json_kind(document)}")
    if "specversion" not in document:
        return Invalid("not a CloudEvent: specversion is missing")
    for name in REQUIRED_ATTRIBUTES:
        if name not in document:
            return Invalid(f"{name}: required attribute is missing")
    event_type = document["type"]
    data_model = DATA_MODELS.get(event_type) if isinstance(event_type, str) else None
    if data_model is None:
        return Invalid(f"type: unknown event type {event_type!r}")
    try:
        envelope = Envelope.model_validate(document)
    except ValidationError as error:
        return Invalid(describe(error))
    try:
        data = data_model.model_validate(envelope.data)
    except ValidationError as error:
        return Invalid(describe(error, prefix="data."))
    return InboundEvent(envelope=envelope, data=data, body_hash=body_hash(document))


def describe(error: ValidationError, prefix: str = "") -> str:
    """One line naming each wrong field and its problem."""
    problems = []
    for item in error.errors(include_url=False):
        field = prefix + ".".join(_field_name(part) for part in item["loc"])
        problems.append(f"{field.rstrip('.') or 'data'}: {_problem(item)}")
    return "; ".join(problems)


def _field_name(part: str | int) -> str:
    return f"[{part}]" if isinstance(part, int) else str(part).rstrip("_")


def _problem(item: Any) -> str:
    kind = item["type"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "string_pattern_mismatch" and item["loc"] == ("source",):
        return f"must be a URI-reference of the form kind:name, e.g. pms:seaside (got {item['input']!r})"
    if kind == "value_error":
        return f"{str(item['msg']).removeprefix('Value error, ')} (got {item.get('input')!r})"
    if kind == "timezone_aware":
        return f"timestamp {item['input']!r} has no UTC offset (add Z or +hh:mm)"
    given = item.get("input")
    shown = f" (got {given!r})" if isinstance(given, (str, int, float, bool)) or given is None else ""
    return f"{item['msg'][0].lower()}{item['msg'][1:]}{shown}"


def _json_kind(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )
