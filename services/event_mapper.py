"""Stores pydantic domain events as JSON and reads them back, upcasting old shapes.

Events are forever: a changed shape gets a higher ``class_version``
(a ``ClassVar[int]``) on the event class and a static ``upcast_vN_vM(state)`` that rewrites the stored
state of version N into version M's. Version 1 is not written, so events
stored before a class had versions read as version 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from types import UnionType
from typing import Any, Union, cast, get_args, get_origin
from uuid import UUID

import orjson
from eventsourcing.persistence import Mapper, ProgrammingError, StoredEvent, Transcoder, Transcoding
from eventsourcing.utils import get_topic, resolve_topic
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from casetrail.services.personal_data import SEALED_IN_JSON, KeyLookup, reveal

IDENTITY_FIELDS = {"originator_id", "originator_version"}


class JSONTranscoder(Transcoder):
    """Plain JSON: pydantic already turned every value into a JSON type."""

    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj)

    def decode(self, data: bytes) -> Any:
        return orjson.loads(data)

    def register(self, transcoding: Transcoding) -> None:
        raise ProgrammingError("events are pydantic models; no transcodings are needed")


class PydanticMapper(Mapper[UUID]):
    def __init__(self, transcoder: Transcoder, party_keys: KeyLookup | None = None) -> None:
        super().__init__(transcoder)
        self.party_keys = party_keys  # opens sealed personal fields (``services.personal_data``)

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        model = cast(BaseModel, domain_event)
        class_version, topic = _class_facts(type(model))
        if class_version > 1:
            state = model.model_dump(mode="json", exclude=IDENTITY_FIELDS, exclude_none=True)
            state["class_version"] = class_version
            encoded = self.transcoder.encode(state)
        else:  # pydantic writes the JSON itself, much faster than a dict round trip
            encoded = model.model_dump_json(exclude=IDENTITY_FIELDS, exclude_none=True).encode()
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=topic,
            state=encoded,
        )

    def to_stored_fact(self, event_class: type[BaseModel], fields: Mapping[str, Any]) -> StoredEvent:
        """What ``to_stored_event(event_class.model_validate(fields))`` stores, byte for byte,
        built without the event: for fields already validated (an inbound event's data and
        provenance), where validating them again was most of the cost of ingesting them.

        ``fields`` hold Python values as pydantic validates them, nested models as dicts.
        """
        class_version, topic = _class_facts(event_class)
        state = _state(event_class, fields)
        if class_version > 1:
            state["class_version"] = class_version
        return StoredEvent(originator_id=fields["originator_id"], originator_version=fields["originator_version"],
                           topic=topic, state=orjson.dumps(state, default=_json_value, option=orjson.OPT_UTC_Z))

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        event_class = resolve_topic(stored_event.topic)
        state: dict[str, Any] = self.transcoder.decode(stored_event.state)
        if self.party_keys is not None and SEALED_IN_JSON in stored_event.state:
            reveal([state], self.party_keys)
        upcast(event_class, state)
        state["originator_id"] = stored_event.originator_id
        state["originator_version"] = stored_event.originator_version
        return event_class.model_validate(state)


@cache
def _class_facts(event_class: type) -> tuple[int, str]:
    # Reading a class attribute of a pydantic model costs about 2 µs; ingestion asks once per event.
    return int(getattr(event_class, "class_version", 1)), get_topic(event_class)


def _state(model: type[BaseModel], fields: Mapping[str, Any]) -> dict[str, Any]:
    """``fields`` as pydantic writes ``model``: in its field order, defaults filled, None left out."""
    state = {}
    for name, default, nested in _stored_fields(model):
        value = fields.get(name, default)
        if value is PydanticUndefined:
            raise TypeError(f"{model.__name__}.{name}: required field is missing")
        if value is not None:
            state[name] = _state(nested, value) if nested is not None and isinstance(value, dict) else value
    return state


@cache
def _stored_fields(model: type[BaseModel]) -> tuple[tuple[str, Any, type[BaseModel] | None], ...]:
    """Each stored field of ``model``: its name, its default and the model it holds, if one."""
    return tuple((name, info.get_default(call_default_factory=True), _model_in(info.annotation))
                 for name, info in model.model_fields.items() if name not in IDENTITY_FIELDS)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model a field's annotation holds (``Changes`` or ``Changes | None``), or None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, UnionType):
        return next((model for arg in get_args(annotation) if (model := _model_in(arg)) is not None), None)
    return None


def _json_value(value: Any) -> Any:
    # orjson writes dates, times, UUIDs and enums as pydantic does; a Decimal pydantic writes as text.
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot store a value of type {type(value).__name__}")


def upcast(event_class: type, state: dict[str, Any]) -> None:
    """Bring a stored state up to the event class's current version, in place."""
    target = getattr(event_class, "class_version", 1)
    version = state.pop("class_version", 1)
    while version < target:
        getattr(event_class, f"upcast_v{version}_v{version + 1}")(state)
        version += 1
