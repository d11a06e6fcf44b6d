"""``casetrail cases``, ``case`` and ``replay``."""

from __future__ import annotations

import argparse
import sys
from functools import partial
from typing import Any

from adapters.bootstrap import bootstrap
from adapters.output import console, print_json
from adapters.settings import Settings
from services.case_queries import Moment


def cases(args: argparse.Namespace, settings: Settings) -> int:
    system = bootstrap(settings)
    try:
        system.catch_up()
        found = system.cases.list_cases(status=args.status, category=args.category, department=args.department)
    finally:
        system.close()
    if args.json:
        print_json(found)
        return 0
    from rich.table import Table

    table = Table("opened", "case", "category", "status", "priority", "departments", title=f"{len(found)} cases")
    for case in found:
        table.add_row(case["opened_at"], case["case_ref"], case["category"], case["status"], case["priority"],
                      ", ".join(case["departments"]))
    console.print(table)
    return 0


def case(args: argparse.Namespace, settings: Settings) -> int:
    moment = Moment(args.as_of, args.known_at)
    system = bootstrap(settings)
    try:
        system.catch_up()
        report = system.cases.case_report(args.case, moment)
    finally:
        system.close()
    if args.json:
        print_json(report)
    else:
        _show_case(report)
    return 0


def replay(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    system = bootstrap(settings)
    try:
        total = system.ingestion.recorder.max_notification_id() or 0
        with Progress(TextColumn("rebuilding {task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeRemainingColumn(), console=Console(stderr=True), disable=not sys.stderr.isatty()) as bar:
            for runner in system.views:
                task = bar.add_task(runner.view.name, total=total)
                applied = runner.rebuild(progress=partial(bar.advance, task))
                print(f"{runner.view.name}: rebuilt from {applied} stored events")
    finally:
        system.close()
    return 0


def _show_case(report: dict[str, Any]) -> None:
    console.print(f"[bold]{report['case_ref']}[/bold]  {report['category']}  {report['status']}  "
                  f"priority {report['priority']}  opened {report['opened_at']} by {report['opened_by']}"
                  + ("  [yellow]proactive[/yellow]" if report["proactive"] else ""))
    subjects = report["subjects"]
    console.print("subjects: " + "; ".join(f"{k.removesuffix('_refs').removesuffix('s')} {', '.join(v)}"
                                           for k, v in subjects.items() if v))
    console.print("[bold]timeline[/bold] (UTC)")
    for entry in report["timeline"]:
        who = "/".join(filter(None, [entry["department"], entry["actor"]]))
        console.print(f"  {entry['occurred_at']}  [cyan]{who}[/cyan]  {entry['summary']}  "
                      f"[dim]{entry['source']}#{entry['id']}[/dim]", highlight=False)
    if report["factors"]:
        console.print("[bold]contributing factors[/bold]")
    for factor in report["factors"]:
        evidence = ", ".join(f"{e['source']}#{e['id']}" for e in factor["evidence"])
        console.print(f"  {factor['code']}  [cyan]{factor['department']}[/cyan]  {factor['status']} "
                      f"(by {factor['proposed_by']})  {factor['explanation']}  [dim]evidence: {evidence}[/dim]",
                      highlight=False)
    console.print("effort: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in report["effort"].items()))
