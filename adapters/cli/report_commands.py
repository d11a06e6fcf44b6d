"""``casetrail report NAME``: JSON for machines, CSV for spreadsheets, a table for people."""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from casetrail.adapters.cli.arguments import positive_int
from casetrail.adapters.cli.output import Column, csv_row, plural, print_json, say, show_table
from casetrail.adapters.cli.reads import add_wait_option, open_views
from casetrail.adapters.cli.store_mode import StoreMode
from casetrail.adapters.settings import Settings
from casetrail.services.report_queries import DEFAULT_TOP, NAMES


def add_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    report = commands.add_parser("report", parents=[common], help=f"a desk report: {', '.join(NAMES)}")
    report.add_argument("name", choices=NAMES, metavar="NAME", help=", ".join(NAMES))
    report.add_argument("--from", dest="first", type=_date, metavar="DATE",
                        help="first day, YYYY-MM-DD (default: the first case's opening)")
    report.add_argument("--to", dest="last", type=_date, metavar="DATE",
                        help="last day, inclusive (default: the latest opening or resolution)")
    report.add_argument("--tz", type=_zone, default=ZoneInfo("UTC"), metavar="ZONE",
                        help="time zone the days are counted in, e.g. Asia/Jakarta (default UTC)")
    report.add_argument("--top", type=positive_int, default=DEFAULT_TOP, help="top-issues: how many categories")
    output = report.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print one JSON document")
    output.add_argument("--csv", action="store_true", help="print CSV rows with a header")
    output.add_argument("--html", metavar="FILE",
                        help="write the report's page, with its charts, as one self-contained HTML file")
    add_wait_option(report)
    report.set_defaults(run=run, store=StoreMode.READ)


def run(args: argparse.Namespace, settings: Settings) -> int:
    reader = open_views(args, settings)
    try:
        document = reader.reports.report(args.name, args.first, args.last, args.tz, args.top)
    finally:
        reader.close()
    if args.json:
        print_json(document)
        return 0
    if args.html:
        return _write_page(args, document)
    header, rows = _table(document)
    if args.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(csv_row(header))
        writer.writerows(csv_row(row) for row in rows)
        return 0
    title = (f"{document['report']} report from {document['from']} to {document['to']} ({document['tz']}), "
             f"at log position {document['position']}")
    footer = None
    if document["report"] in PERIODS and args.first is None and args.last is None:
        rows, footer = _busy_periods(document, rows)
    keys = KEYS[document["report"]]
    show_table(title, [Column(name.replace("_", " "), key=name in keys) for name in header], rows, footer)
    if document.get("sla_at_risk"):
        at_risk = ["case_ref", "policy", "metric", "cycle", "department", "warned_at", "due_at"]
        show_table("SLA clocks about to breach", [Column(name.replace("_", " "), key=name == "case_ref")
                                                  for name in at_risk],
                   [[clock[name] for name in at_risk] for clock in document["sla_at_risk"]])
    return 0


def _write_page(args: argparse.Namespace, document: dict[str, Any]) -> int:
    """The page ``casetrail serve`` shows at /reports/NAME, as one file a desk can attach to its update."""
    from casetrail.adapters.http.pages.report_pages import report_file

    text = report_file(document, all_periods=args.first is not None or args.last is not None)
    Path(args.html).write_text(text, encoding="utf-8")  # a failure is reported as every OSError is, by main
    say(f"{document['report']} report written to {args.html}")
    return 0


PERIODS = {"weekly": "week", "monthly": "month"}
# The columns that name a row: printed whole, and first in a row's block when the table does not fit.
KEYS = {"weekly": ("from", "to"), "monthly": ("from", "to"), "top-issues": ("category",),
        "outstanding": ("case_ref",), "departments": ("department", "code")}


def _busy_periods(document: dict[str, Any], rows: list[list[Any]]) -> tuple[list[list[Any]], str | None]:
    """Over the whole log, only the periods in which a case was opened or resolved, and a footer saying so."""
    busy = [row for row, period in zip(rows, document["periods"]) if period["opened"] or period["resolved"]]
    quiet = len(rows) - len(busy)
    if not quiet:
        return rows, None
    unit = PERIODS[document["report"]]
    return busy, (f"Not shown: {plural(quiet, unit)} in which no case was opened or resolved "
                  f"(give --from and --to to see every {unit}).")


def _table(document: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The report as one header and its rows, for the table and the CSV alike."""
    name = document["report"]
    if name in ("weekly", "monthly"):
        header = ["from", "to", "opened", "resolved", "open_at_end", "median_hours", "p90_hours",
                  "contacts_per_case", "transfers", "hold_seconds", "first_contact_resolution", "top_category",
                  "sla_targets", "sla_share_met"]
        return header, [[p["from"], p["to"], p["opened"], p["resolved"], p["open_at_end"],
                         p["hours_to_resolution"]["median"], p["hours_to_resolution"]["p90"],
                         *p["effort"].values(), _top(p["by_category"]), p["sla"]["targets"], p["sla"]["share_met"]]
                        for p in document["periods"]]
    if name == "top-issues":
        return ["rank", "category", "count", "previous", "change"], [list(t.values()) for t in document["top"]]
    if name == "outstanding":
        header = ["priority", "case_ref", "category", "opened_at", "age_days", "age_bucket", "holder"]
        return header, [[c[key] for key in header] for c in document["cases"]]
    header = ["department", "first_contact_cases", "code", "proposed", "confirmed", "rejected"]
    rows = []
    for department in document["departments"]:
        rows.append([department["department"], department["first_contact_cases"], "(all)",
                     *department["factors"].values()])
        rows += [[department["department"], "", code, *counts.values()]
                 for code, counts in department["by_code"].items()]
    return header, rows


def _top(by_category: dict[str, dict[str, int]]) -> str | None:
    if not by_category:
        return None
    category, counts = max(by_category.items(), key=lambda item: (item[1]["opened"], item[0]))
    return f"{category} ({counts['opened']})"


def _date(text: str) -> date:
    """A day given on the command line, parsed as the inbound contract parses a service date."""
    from pydantic import TypeAdapter, ValidationError

    from casetrail.domain.values import Date

    try:
        return TypeAdapter(Date).validate_python(text)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        if first["type"] == "value_error":  # the contract's own reason, which quotes the text
            raise argparse.ArgumentTypeError(str(first["msg"]).removeprefix("Value error, ")) from None
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _zone(text: str) -> ZoneInfo:
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(f"{text!r} is not a time zone name such as UTC or Asia/Jakarta") from None
