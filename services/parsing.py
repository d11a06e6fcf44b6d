"""Turns raw bytes from any entrance into a valid inbound event or a reason.

A reason always names the field (``data.nights``) and says what was wrong, so
the system that sent it can be fixed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Literal, Union, cast

import orjson
from pydantic import BaseModel, Field, TypeAdapter, ValidationError, create_model

from casetrail.domain.catalogue import ACCEPTED
from casetrail.domain.values import quote
from casetrail.services.batches import RawInput
from casetrail.services.inbound import Envelope, InboundEvent
from casetrail.services.limits import MAX_DEPTH, MAX_TEXT

REQUIRED_ATTRIBUTES = ("id", "source", "type", "time", "data")
# datacontenttype is left out: absent and every JSON media type mean the same data.
READ_ATTRIBUTES = frozenset(Envelope.model_fields) - {"datacontenttype"}
# Text may hold tab, line feed and carriage return, and no other C0 control character.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class Invalid:
    reason: str  # as long as its field's problem needs; the ingestion shortens what it stores


def body_hash(document: dict[str, Any]) -> str:
    """A hash of what casetrail reads of an event, ignoring key order, white space,
    the JSON media type and unknown extensions (a gateway may stamp a new trace id
    on a redelivery).

    Stored with every accepted key: changing how it is computed would turn
    old duplicates into conflicts (see ``legacy_body_hash``).
    """
    read = {name: value for name, value in document.items() if name in READ_ATTRIBUTES}
    return hashlib.sha256(orjson.dumps(read, option=orjson.OPT_SORT_KEYS)).hexdigest()


def legacy_body_hash(document: dict[str, Any]) -> str:
    """The hash releases before JSON media types were canonical stored for an event
    that said ``"datacontenttype": "application/json"``, the only one they accepted."""
    read = {name: value for name, value in document.items() if name in READ_ATTRIBUTES}
    read["datacontenttype"] = "application/json"
    return hashlib.sha256(orjson.dumps(read, option=orjson.OPT_SORT_KEYS)).hexdigest()


def same_body(event: InboundEvent, stored_hash: str) -> bool:
    """Whether ``event`` has the body stored under ``stored_hash``, by this release's hash or an older one's."""
    return stored_hash == event.body_hash or stored_hash == legacy_body_hash(event.document)


def parse_input(item: RawInput) -> InboundEvent | Invalid:
    if item.too_long is not None:
        return Invalid(item.too_long.reason())
    if item.refusal is not None:
        return Invalid(item.refusal)
    return parse_event(item.raw)


def parse_event(raw: bytes) -> InboundEvent | Invalid:
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        return Invalid(f"not JSON: {error}")
    problem = limits_problem(raw, document)
    if problem is not None:
        return Invalid(problem)
    return validate_event(document)


def limits_problem(raw: bytes, document: Any) -> str | None:
    """The first place ``document`` passes a limit of ingest-v1 (nesting, text
    length, control characters), or None.

    Every store can then hold every string, and every serialiser every depth.
    Most events are shallow, short and plain: a look at the raw bytes says so
    without walking them.
    """
    plain = (len(raw) <= MAX_TEXT and raw.count(b"{") + raw.count(b"[") <= MAX_DEPTH
             and b"\\u00" not in raw and b"\\b" not in raw and b"\\f" not in raw)
    return None if plain else _walk(document, "", 1)


def _walk(value: Any, path: str, depth: int) -> str | None:
    if isinstance(value, str):
        return _text_problem(value, path)
    if not isinstance(value, (dict, list)):
        return None
    if depth > MAX_DEPTH:
        return f"{path or 'event'}: nested deeper than {MAX_DEPTH} levels"
    if isinstance(value, list):
        items = ((f"{path}[{index}]", item) for index, item in enumerate(value))
    else:
        for key in value:
            problem = _text_problem(key, f"{path}.{quote(key, 40)}" if path else quote(key, 40))
            if problem:
                return f"{problem} (a field name)"
        items = ((f"{path}.{key}" if path else key, item) for key, item in value.items())
    for where, item in items:
        problem = _walk(item, where, depth + 1)
        if problem:
            return problem
    return None


def _text_problem(text: str, path: str) -> str | None:
    if len(text) > MAX_TEXT:
        return f"{_short(path)}: text of {len(text):,} characters is over the limit of {MAX_TEXT:,}"
    control = _CONTROL.search(text)
    if control:
        return (f"{_short(path)}: contains the control character U+{ord(control.group()):04X}; "
                f"text may hold tab, line feed and carriage return only")
    return None


def _short(path: str) -> str:
    return path if len(path) <= 120 else path[:119] + "…"


def validate_event(document: Any) -> InboundEvent | Invalid:
    """Validate an already decoded structured-mode CloudEvent.

    A valid event is validated once, envelope and data together; only an invalid
    one is validated again, step by step, for a reason naming the field in the way.
    """
    try:
        envelope = _typed_envelopes().validate_python(document)
    except ValidationError:
        return _validate_in_steps(document)
    # A typed envelope's data is its type's model (``_typed_envelopes``).
    data = cast(BaseModel, envelope.data)
    return InboundEvent(envelope=envelope, data=data, body_hash=body_hash(document), document=document)


@cache
def _typed_envelopes() -> TypeAdapter[Envelope]:
    """One envelope for each accepted type, its ``data`` that type's model, told apart by ``type``."""
    typed = tuple(create_model(f"Envelope_{name.replace('.', '_')}", __base__=Envelope,
                               type=(Literal[name], ...), data=(entry.data, ...))  # type: ignore[arg-type]
                  for name, entry in ACCEPTED.items())
    return TypeAdapter(Annotated[Union[typed], Field(discriminator="type")])  # type: ignore[arg-type]  # noqa: UP007


def _validate_in_steps(document: Any) -> InboundEvent | Invalid:
    """The envelope's attributes first, then the type, then its data: the first step that fails
    says what is wrong."""
    if not isinstance(document, dict):
        return Invalid(f"not a CloudEvent: expected a JSON object, got {_json_kind(document)}")
    if "specversion" not in document:
        return Invalid("not a CloudEvent: specversion is missing")
    for name in REQUIRED_ATTRIBUTES:
        if name not in document:
            return Invalid(f"{name}: required attribute is missing")
    event_type = document["type"]
    entry = ACCEPTED.get(event_type) if isinstance(event_type, str) else None
    if entry is None:
        return Invalid(f"type: unknown event type {quote(event_type)}")
    try:
        envelope = Envelope.model_validate(document)
    except ValidationError as error:
        return Invalid(describe(error))
    try:
        data = entry.data.model_validate(envelope.data)
    except ValidationError as error:
        return Invalid(describe(error, prefix="data."))
    return InboundEvent(envelope=envelope, data=data, body_hash=body_hash(document), document=document)


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
        return f"must be a URI-reference of the form kind:name, e.g. pms:seaside (got {quote(item['input'])})"
    if kind == "value_error":
        message = str(item["msg"]).removeprefix("Value error, ")
        return message if "(got " in message else f"{message} (got {quote(item.get('input'))})"
    if kind == "timezone_aware":
        return f"timestamp has no UTC offset; add Z or +hh:mm (got {quote(item['input'])})"
    given = item.get("input")
    shown = f" (got {quote(given)})" if isinstance(given, (str, int, float, bool)) or given is None else ""
    return f"{item['msg'][0].lower()}{item['msg'][1:]}{shown}"


def _json_kind(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )
