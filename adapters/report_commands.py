"""``casetrail report NAME``: JSON for machines, CSV for spreadsheets, a table for people."""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import date
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import TypeAdapter, ValidationError
from rich.table import Table

from adapters.bootstrap import bootstrap
from adapters.output import console, print_json
from adapters.settings import Settings
from services.inbound import Date
from services.report_queries import DEFAULT_TOP, NAMES


def add_parser(commands: Any, common: argparse.ArgumentParser, positive_int: Callable[[str], int]) -> None:
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
    report.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    system = bootstrap(settings)
    try:
        system.catch_up()
        document = system.reports.report(args.name, args.first, args.last, args.tz, args.top)
    finally:
        system.close()
    if args.json:
        print_json(document)
        return 0
    header, rows = _table(document)
    if args.csv:
        writer = csv.writer(sys.stdout)
        writer.writerow(header)
        writer.writerows(rows)
        return 0
    title = (f"{document['report']} {document['from']} to {document['to']} ({document['tz']}), "
             f"log position {document['position']}")
    table = Table(*header, title=title)
    for row in rows:
        table.add_row(*("" if cell is None else str(cell) for cell in row))
    console.print(table)
    return 0


def _table(document: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The report as one header and its rows, for the table and the CSV alike."""
    name = document["report"]
    if name in ("weekly", "monthly"):
        header = ["from", "to", "opened", "resolved", "open_at_end", "median_hours", "p90_hours",
                  "contacts_per_case", "transfers", "hold_seconds", "first_contact_resolution", "top_category"]
        return header, [[p["from"], p["to"], p["opened"], p["resolved"], p["open_at_end"],
                         p["hours_to_resolution"]["median"], p["hours_to_resolution"]["p90"],
                         *p["effort"].values(), _top(p["by_category"])] for p in document["periods"]]
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
    try:
        return _DATE.validate_python(text)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        if first["type"] == "value_error":  # a date, but outside the years casetrail can count days in
            raise argparse.ArgumentTypeError(f"{text!r}: {str(first['msg']).removeprefix('Value error, ')}") from None
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


_DATE: TypeAdapter[date] = TypeAdapter(Date)


def _zone(text: str) -> ZoneInfo:
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(f"{text!r} is not a time zone name such as UTC or Asia/Jakarta") from None
