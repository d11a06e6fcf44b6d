"""Stores pydantic domain events as JSON and reads them back, upcasting old shapes.

Events are forever: a changed shape gets a higher ``class_version``
(a ``ClassVar[int]``) on the event class and a static ``upcast_vN_vM(state)`` that rewrites the stored
state of version N into version M's. Version 1 is not written, so events
stored before a class had versions read as version 1.
"""

from __future__ import annotations

from functools import cache
from typing import Any, cast
from uuid import UUID

import orjson
from eventsourcing.persistence import Mapper, ProgrammingError, StoredEvent, Transcoder, Transcoding
from eventsourcing.utils import get_topic, resolve_topic
from pydantic import BaseModel

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


def upcast(event_class: type, state: dict[str, Any]) -> None:
    """Bring a stored state up to the event class's current version, in place."""
    target = getattr(event_class, "class_version", 1)
    version = state.pop("class_version", 1)
    while version < target:
        getattr(event_class, f"upcast_v{version}_v{version + 1}")(state)
        version += 1
