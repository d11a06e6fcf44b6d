"""``/reports/{name}``: the five desk reports as pages with the server's charts, the parameters of
``GET /v1/reports/{name}``; every figure links to the list of the cases it counts. ``casetrail report
NAME --html FILE`` writes the same page as one file (``standalone``), its figures without links."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response

from casetrail.adapters.http.live import LiveSystem
from casetrail.adapters.http.pages import charts, drill_down
from casetrail.adapters.http.pages.access import PageRefused, admitted
from casetrail.adapters.http.pages.charts import Figure
from casetrail.adapters.http.pages.forgery import FormKey
from casetrail.adapters.http.pages.rendering import render, standalone
from casetrail.projections.report_buckets import Bucket
from casetrail.projections.reports import AGE_BUCKETS, FACTOR_STATUSES
from casetrail.services.report_queries import DEFAULT_TOP, NAMES

router = APIRouter(include_in_schema=False)

ROUTE = "/reports/{name}"
UNITS = {"weekly": "week", "monthly": "month"}


@router.get(ROUTE)
def report_page(request: Request, name: str) -> Response:
    visitor = admitted(request, "GET", ROUTE)
    if name not in NAMES:
        raise PageRefused(f"report: no report {name!r}; choose one of {', '.join(NAMES)}", status=404)
    params = dict(request.query_params)
    first = drill_down.optional_date(params, "from")
    last = drill_down.optional_date(params, "to")
    zone = drill_down.zone(params.get("tz") or "UTC")
    top = _top(params.get("top"))
    if first is not None and last is not None and last < first:
        raise PageRefused(f"to: {last} is before from {first}", status=400)
    live: LiveSystem = request.app.state.live
    document = live.reading(lambda reader: reader.reports.report(name, first, last, zone, top))
    key: FormKey = request.app.state.form_key
    return render(request, "report.html", caller=visitor.caller, csrf=key.form_token_of(visitor),
                  **report_context(document, linked=True, all_periods=bool(first or last),
                                   asked={name: params.get(name, "") for name in ("from", "to", "tz", "top")}))


def report_file(document: dict[str, Any], all_periods: bool) -> str:
    """The report page as one self-contained file: inline style, no script, nothing fetched."""
    return standalone("report.html", **report_context(document, linked=False, all_periods=all_periods, asked=None))


def _top(text: str | None) -> int:
    if not text:
        return DEFAULT_TOP
    if not text.isdigit() or not 1 <= int(text) <= 1000:
        raise PageRefused(f"top: {text!r} is not a number from 1 to 1000", status=400)
    return int(text)


def report_context(document: dict[str, Any], linked: bool, all_periods: bool, asked: dict[str, str] | None
                   ) -> dict[str, Any]:
    """The report's figures, each with its cases' link when ``linked``; weekly and monthly over the
    whole log (not ``all_periods``) show only the periods in which a case was opened or resolved."""
    name = document["report"]
    zone = ZoneInfo(document["tz"])
    first, last = date.fromisoformat(document["from"]), date.fromisoformat(document["to"])

    def figure(value: int, measure: str, since: date = first, until: date = last, **cell: Any) -> Figure:
        bucket = Bucket(measure, since, until, zone, **cell)
        return Figure(value, drill_down.link(bucket) if linked else None)

    context: dict[str, Any] = {"document": document, "name": name, "names": NAMES, "asked": asked,
                               "unit": UNITS.get(name), "chart": None, "quiet": 0}
    if name in UNITS:
        periods = document["periods"]
        busy = periods if all_periods else [p for p in periods if p["opened"] or p["resolved"]]
        context["quiet"] = len(periods) - len(busy)
        rows = []
        for p in busy:
            since, until = date.fromisoformat(p["from"]), date.fromisoformat(p["to"])
            rows.append({
                "period": p,
                "opened": figure(p["opened"], "opened", since, until),
                "resolved": figure(p["resolved"], "resolved", since, until),
                "open_at_end": figure(p["open_at_end"], "open_at_end", since, until),
                "by_category": [(category, figure(counts["opened"], "opened", since, until, category=category),
                                 figure(counts["resolved"], "resolved", since, until, category=category))
                                for category, counts in p["by_category"].items()],
                "by_department": [(holder, figure(counts["opened"], "opened", since, until, holder=holder),
                                   figure(counts["resolved"], "resolved", since, until, holder=holder))
                                  for holder, counts in p["by_department"].items()],
            })
        context["rows"] = rows
        context["chart"] = charts.trend([(r["period"]["from"], r["opened"], r["resolved"], r["open_at_end"])
                                         for r in rows], UNITS[name])
    elif name == "top-issues":
        before_first = date.fromisoformat(document["previous"]["from"])
        before_last = date.fromisoformat(document["previous"]["to"])
        issues = [(t["category"], figure(t["count"], "opened", category=t["category"]),
                   figure(t["previous"], "opened", before_first, before_last, category=t["category"]), t["change"])
                  for t in document["top"]]
        context["rows"] = issues
        context["chart"] = charts.top_issues(issues)
    elif name == "outstanding":
        at = datetime.fromisoformat(document["at"])
        grid = [(cell["priority"], [(label, figure(cell[label], "outstanding", at=at, priority=cell["priority"],
                                                   age=label)) for _, label in AGE_BUCKETS])
                for cell in document["by_priority_and_age"]]
        totals = [(priority, figure(sum(f.value for _, f in cells), "outstanding", at=at, priority=priority))
                  for priority, cells in grid]
        context.update(grid=grid, ages=[label for _, label in AGE_BUCKETS], cases=document["cases"],
                       chart=charts.outstanding(totals))
    else:
        named: list[tuple[str, dict[str, Figure], list[tuple[str, dict[str, Figure]]]]] = []
        for d in document["departments"]:
            department = d["department"]
            figures = {"first_contact": figure(d["first_contact_cases"], "first_contact", department=department),
                       **{status: figure(d["factors"][status], status, department=department)
                          for status in FACTOR_STATUSES}}
            by_code = [(code, {status: figure(counts[status], status, department=department, code=code)
                               for status in FACTOR_STATUSES}) for code, counts in d["by_code"].items()]
            named.append((department, figures, by_code))
        context["rows"] = named
        context["chart"] = charts.departments([(department, figures) for department, figures, _ in named])
    return context
