"""A report figure's cases as a link: a ``projections.report_buckets.Bucket`` to and from the case
list's query parameters, and what the list says it shows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import TypeAdapter, ValidationError

from casetrail.adapters.http.pages.access import PageRefused
from casetrail.domain.values import Date, Timestamp
from casetrail.projections.report_buckets import MEASURES, Bucket

MEASURE = "counted"
# The breakdown a figure is a cell of: the Bucket's field, as a query parameter.
QUALIFIERS = ("category", "holder", "priority", "age", "department", "code")


def link(bucket: Bucket) -> str:
    return "/?" + urlencode(query(bucket))


def query(bucket: Bucket) -> dict[str, str]:
    params = {MEASURE: bucket.measure, "from": bucket.first.isoformat(), "to": bucket.last.isoformat(),
              "tz": str(bucket.zone)}
    if bucket.at is not None:
        params["at"] = bucket.at.isoformat()
    for name in QUALIFIERS:
        value = getattr(bucket, name)
        if value is not None:
            params[f"{MEASURE}_{name}"] = value
    return params


def parse(params: dict[str, str]) -> Bucket | None:
    """The bucket the case list was asked for, or None; a bad parameter is a 400 naming it."""
    measure = params.get(MEASURE)
    if measure is None:
        return None
    if measure not in MEASURES:
        raise PageRefused(f"{MEASURE}: {measure!r} is not one of {', '.join(MEASURES)}", status=400)
    qualifiers = {name: params[f"{MEASURE}_{name}"] for name in QUALIFIERS if params.get(f"{MEASURE}_{name}")}
    at = params.get("at")
    return Bucket(measure, _date(params, "from"), _date(params, "to"), zone(params.get("tz", "UTC")),
                  at=_timestamp("at", at) if at else None, **qualifiers)


def describe(bucket: Bucket) -> str:
    """What the list shows, in words: ``cases opened 2024-06-03 to 2024-06-09 (UTC), category website``."""
    span = f"{bucket.first} to {bucket.last} ({bucket.zone})"
    said = {
        "opened": f"cases opened {span}",
        "resolved": f"cases resolved {span}",
        "open_at_end": f"cases open at the end of {bucket.last} ({bucket.zone})",
        "outstanding": f"cases outstanding at {bucket.at.isoformat() if bucket.at else f'the end of {bucket.last}'}",
        "first_contact": f"cases opened {span} whose first contact was with {bucket.department}",
    }.get(bucket.measure, f"cases opened {span} with a factor {bucket.measure}")
    parts = [f"{name} {getattr(bucket, name)}" for name in QUALIFIERS
             if getattr(bucket, name) is not None and not (name == "department" and bucket.measure == "first_contact")]
    return ", ".join([said, *parts])


def _date(params: dict[str, str], name: str) -> date:
    found = optional_date(params, name)
    if found is None:
        raise PageRefused(f"{name}: a report's cases need the day {name}, YYYY-MM-DD", status=400)
    return found


def optional_date(params: dict[str, str], name: str) -> date | None:
    value = params.get(name)
    if not value:
        return None
    parsed: date = _valid(TypeAdapter(Date), name, value)
    return parsed


def _timestamp(name: str, value: str) -> datetime:
    parsed: datetime = _valid(TypeAdapter(Timestamp), name, value)
    return parsed


def _valid(adapter: TypeAdapter[Any], name: str, value: str) -> Any:
    try:
        return adapter.validate_python(value)
    except ValidationError as error:
        message = str(error.errors(include_url=False)[0]["msg"]).removeprefix("Value error, ")
        quoted = "" if "(got " in message else f" (got {value!r})"  # the contract's own reasons quote it
        raise PageRefused(f"{name}: {message}{quoted}", status=400) from None


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise PageRefused(f"tz: {name!r} is not a time zone name such as UTC or Asia/Jakarta", status=400) from None


def timestamp_param(name: str, value: str | None) -> datetime | None:
    """An RFC 3339 moment with offset from a page's query, as the API takes it; a bad one is a 400."""
    return _timestamp(name, value) if value else None
