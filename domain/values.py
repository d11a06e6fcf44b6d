"""The values the inbound contract (spec ``ingest-v1.md``) is made of, and their limits.

Every event's ``data`` model is built from these, and the same model is the
payload of the event stored: what passed the contract reads back as it was.
Integers are strict (a string "2" is a wrong type, not a number).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StrictInt

# A stop-sell is recorded per date it covers, and a stay or a count this long
# is a typo, not a plan.
MAX_RANGE_NIGHTS = 731
MAX_UNITS = 10_000
# Service dates and timestamps casetrail can add nights to and turn into UTC.
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
# Counts and seconds fit a 32-bit column on every store, and their sums a 64-bit one.
MAX_INTEGER = 2_147_483_647
MAX_REF = 200

_DATE = r"\d{4}-\d{2}-\d{2}"
_LOCAL_TIME = _DATE + r"[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?"
RFC3339_DATE = re.compile(_DATE)
RFC3339_TIMESTAMP = re.compile(_LOCAL_TIME + r"([Zz]|[+-]\d{2}:\d{2})")
_NO_OFFSET = re.compile(_LOCAL_TIME)


def quote(value: Any, limit: int = 80) -> str:
    """A value as a reason shows it: its repr, cut to ``limit`` characters."""
    shown = repr(value)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _date_text(value: Any) -> Any:
    """Dates travel as RFC 3339 text (``YYYY-MM-DD``); a number is not a date."""
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not RFC3339_DATE.fullmatch(value):
        raise ValueError(f"must be an RFC 3339 date, YYYY-MM-DD (got {quote(value)})")
    return value


def _timestamp_text(value: Any) -> Any:
    """Timestamps travel as RFC 3339 text with an offset; digits are not a time
    (pydantic's lax mode would read ``"1"`` as a second after 1970)."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _NO_OFFSET.fullmatch(value):
        raise ValueError(f"timestamp has no UTC offset; add Z or +hh:mm (got {quote(value)})")
    if not isinstance(value, str) or not RFC3339_TIMESTAMP.fullmatch(value):
        raise ValueError(f"must be an RFC 3339 timestamp with offset, e.g. 2019-06-21T10:31:00+07:00 "
                         f"(got {quote(value)})")
    return value


def _plausible_date(value: dt.date) -> dt.date:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"date {value} is outside {EARLIEST.year}-{LATEST.year}")
    return value


def _plausible_time(value: dt.datetime) -> dt.datetime:
    _plausible_date(value.date())  # checked before converting, which fails at the ends of time
    return value


Text = Annotated[str, Field(min_length=1)]
# What names a subject (a booking, a case, a resource, a department, ...) is a key
# the stores index, and is held to the length of an ``id``: an index row of
# PostgreSQL holds at most 2,704 bytes, and a timeline key has four of them.
Ref = Annotated[str, Field(min_length=1, max_length=MAX_REF)]
Count = Annotated[StrictInt, Field(ge=1, le=MAX_UNITS)]
Nights = Annotated[StrictInt, Field(ge=1, le=MAX_RANGE_NIGHTS)]
NonNegative = Annotated[StrictInt, Field(ge=0, le=MAX_INTEGER)]
Money = Decimal
Date = Annotated[dt.date, BeforeValidator(_date_text), AfterValidator(_plausible_date)]
Timestamp = Annotated[AwareDatetime, BeforeValidator(_timestamp_text), AfterValidator(_plausible_time)]


class Data(BaseModel):
    """The ``data`` of one inbound event type: frozen, and ``extra="forbid"`` so a misspelt
    field is rejected instead of silently dropped."""

    model_config = ConfigDict(frozen=True, extra="forbid")
