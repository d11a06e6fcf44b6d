"""Desk reports (``casetrail report NAME``) and the rejected inputs (``casetrail rejects``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel
from starlette.responses import Response

from casetrail.adapters.http.access import CallerDep
from casetrail.adapters.http.documents import document
from casetrail.adapters.http.live import LiveSystem
from casetrail.adapters.http.problems import Problem, problem_responses
from casetrail.adapters.http.routes_cases import MAX_PAGE, decode_cursor, encode_cursor
from casetrail.domain.values import Date
from casetrail.services.reject_documents import reject_document
from casetrail.services.report_queries import DEFAULT_TOP, PeriodError

router = APIRouter()

ReportName = Literal["weekly", "monthly", "top-issues", "outstanding", "departments"]  # report_queries.NAMES


@router.get("/v1/reports/{name}", summary="A desk report", response_model=dict[str, Any],
            responses=problem_responses(400, 401, 403, 503))
def report(request: Request, name: Annotated[ReportName, Path()], _caller: CallerDep,
           first: Annotated[Date | None, Query(alias="from", description="first day, YYYY-MM-DD")] = None,
           last: Annotated[Date | None, Query(alias="to", description="last day, inclusive")] = None,
           tz: Annotated[str, Query(max_length=100, description="the days' time zone, e.g. Asia/Jakarta")] = "UTC",
           top: Annotated[int, Query(ge=1, le=1000, description="top-issues: how many categories")] = DEFAULT_TOP,
           ) -> Response:
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise Problem(400, f"tz: {tz!r} is not a time zone name such as UTC or Asia/Jakarta", parameter="tz") from None
    if first is not None and last is not None and last < first:
        raise Problem(400, f"to: {last} is before from {first}", parameter="to")
    live: LiveSystem = request.app.state.live
    try:
        return document(live.reading(lambda reader: reader.reports.report(name, first, last, zone, top)))
    except PeriodError as error:  # the date not given comes from the cases, and falls on the wrong side
        if last is not None:
            raise Problem(400, f"to: {last} is before {error.first}, the first day of the cases; give from as well",
                          parameter="to") from None
        raise Problem(400, f"from: {first} is after {error.last}, the last day of the cases; give to as well",
                      parameter="from") from None


class RejectPage(BaseModel):
    items: list[dict[str, Any]]  # as `casetrail rejects --json` lists them, oldest first
    next_cursor: str | None


@router.get("/v1/rejects", response_model=RejectPage, summary="Rejected inputs with their reasons, oldest first",
            responses=problem_responses(400, 401, 403, 503))
def rejects(request: Request, _caller: CallerDep, limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
            cursor: Annotated[str | None, Query(max_length=2000)] = None) -> RejectPage:
    start = 0
    if cursor is not None:
        start = decode_cursor(cursor, 1)[0]
        if not isinstance(start, int) or start < 0:
            raise Problem(400, "cursor: not a cursor this server gave out; pass next_cursor as it came",
                          parameter="cursor")
    live: LiveSystem = request.app.state.live
    # The rejects are only ever appended to, in order: a count of those seen is a stable place in them.
    found = live.reading(lambda reader: reader.rejected_inputs())
    page = found[start:start + limit]
    more = start + limit < len(found)
    return RejectPage(items=[reject_document(r) for r in page],
                      next_cursor=encode_cursor([start + limit]) if more else None)
