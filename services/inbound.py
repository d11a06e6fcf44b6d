"""The inbound contract (spec ``ingest-v1.md``): the CloudEvents envelope.

Each type's ``data`` model is its entry's in ``domain.catalogue``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from casetrail.domain.values import MAX_REF, Ref, Text, Timestamp, quote

SOURCE_PATTERN = r"^[a-z][a-z0-9+.-]*:\S+$"
# application/json with or without parameters, or any +json type (CloudEvents JSON format).
JSON_MEDIA_TYPE = re.compile(r"(application/json|[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+\+json)\s*(;.*)?",
                             re.IGNORECASE | re.DOTALL)


def _json_media_type(value: Any) -> Any:
    if isinstance(value, str) and not JSON_MEDIA_TYPE.fullmatch(value):
        raise ValueError(f"must be a JSON media type such as application/json (got {quote(value)})")
    return value


JsonMediaType = Annotated[str, AfterValidator(_json_media_type)]


class Envelope(BaseModel):
    """The CloudEvents 1.0 attributes casetrail reads; other extensions are kept."""

    model_config = ConfigDict(frozen=True, extra="allow")

    specversion: Literal["1.0"]
    id: Ref
    source: Annotated[str, Field(pattern=SOURCE_PATTERN, max_length=MAX_REF)]
    type: str
    time: Timestamp
    reportedat: Timestamp | None = None
    actor: Text | None = None
    department: Ref | None = None
    actorrole: Ref | None = None
    # Absent means application/json: every JSON media type reads the same ``data``.
    datacontenttype: JsonMediaType | None = None
    data: dict[str, Any]

    @property
    def extensions(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


@dataclass(frozen=True, slots=True)
class InboundEvent:
    """A valid inbound event: its envelope, typed data and canonical body hash."""

    envelope: Envelope
    data: BaseModel
    body_hash: str
    # As decoded: a stored key's hash from an older release is checked against it.
    document: dict[str, Any]

    @property
    def key(self) -> tuple[str, str]:
        return (self.envelope.source, self.envelope.id)
