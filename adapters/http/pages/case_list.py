"""``/``: the cases, newest first, with the filters of ``GET /v1/cases``, or the cases behind a report's figure."""

from __future__ import annotations

from datetime import datetime
from typing import Any, get_args
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from casetrail.adapters.http.case_lists import CaseLists
from casetrail.adapters.http.live import LiveSystem
from casetrail.adapters.http.pages.access import PageRefused, admitted
from casetrail.adapters.http.pages.drill_down import describe, parse, timestamp_param
from casetrail.adapters.http.pages.forgery import FormKey
from casetrail.adapters.http.pages.rendering import render
from casetrail.adapters.http.problems import Problem
from casetrail.adapters.http.routes_cases import MAX_PAGE, decode_cursor, encode_cursor
from casetrail.adapters.reading import Reader
from casetrail.domain.lifecycle import Status
from casetrail.projections.report_buckets import counted

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
STATUSES: tuple[str, ...] = get_args(Status)
FILTERS = ("status", "category", "department", "opened_from", "opened_to")


@router.get("/")
def case_list(request: Request) -> Response:
    visitor = admitted(request, "GET", "/")
    params = dict(request.query_params)
    status = params.get("status") or None
    if status is not None and status not in STATUSES:
        raise PageRefused(f"status: {status!r} is not one of {', '.join(STATUSES)}", status=400)
    opened_from = timestamp_param("opened_from", params.get("opened_from"))
    opened_to = timestamp_param("opened_to", params.get("opened_to"))
    bucket = parse(params)
    limit = params.get("limit") or str(PAGE_SIZE)
    if not limit.isdigit() or not 1 <= int(limit) <= MAX_PAGE:
        raise PageRefused(f"limit: {limit!r} is not a number from 1 to {MAX_PAGE}", status=400)
    size = int(limit)
    cursor = params.get("cursor")
    try:
        after = decode_cursor(cursor, 2) if cursor else None
    except Problem as problem:
        raise PageRefused(problem.detail, status=400) from None
    live: LiveSystem = request.app.state.live
    lists: CaseLists = request.app.state.case_lists
    filters = (status, params.get("category") or None, params.get("department") or None)

    def read(reader: Reader) -> tuple[list[dict[str, Any]], set[str] | None]:
        found = lists.cases(reader, filters)
        reports = reader.reports
        behind = None if bucket is None else set(counted(bucket, reports.cases(), reports.factors()))
        return found, behind

    found, behind = live.reading(read)
    chosen = []
    for case in reversed(found):  # newest first
        opened = datetime.fromisoformat(case["opened_at"])
        if opened_from is not None and opened < opened_from or opened_to is not None and opened > opened_to:
            continue
        if behind is not None and case["case_ref"] not in behind:
            continue
        if after is not None and [case["opened_at"], case["case_ref"]] >= after:
            continue
        chosen.append(case)
    page = chosen[:size]
    next_link = None
    if len(chosen) > size:
        following = {**params, "cursor": encode_cursor([page[-1]["opened_at"], page[-1]["case_ref"]])}
        next_link = "/?" + urlencode(following)
    key: FormKey = request.app.state.form_key
    return render(request, "case_list.html", caller=visitor.caller, csrf=key.form_token_of(visitor),
                  cases=page, total=len(chosen) if after is None else None, next_link=next_link,
                  filters={name: params.get(name, "") for name in FILTERS}, statuses=STATUSES,
                  bucket=describe(bucket) if bucket else None, first_page="/?" + urlencode(
                      {k: v for k, v in params.items() if k != "cursor"}) if after else None)
