"""``casetrail cases``, ``case`` and ``replay``."""

from __future__ import annotations

import argparse
import sys
from functools import partial
from typing import TYPE_CHECKING, Any, get_args

from casetrail.adapters.cli.arguments import moment
from casetrail.adapters.cli.output import Column, duration, plural, print_json, say, show_table, utc_text
from casetrail.adapters.cli.reads import add_wait_option, open_views
from casetrail.adapters.cli.store_mode import StoreMode
from casetrail.adapters.settings import Settings
from casetrail.domain.lifecycle import Status
from casetrail.services.case_queries import Moment

if TYPE_CHECKING:
    from casetrail.adapters.cli.output import Part

# What a case can be (domain.lifecycle): the filter takes nothing else.
CASE_STATUSES = get_args(Status)


def add_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    listing = commands.add_parser("cases", parents=[common], help="list cases, oldest first")
    listing.add_argument("--json", action="store_true", help="print one JSON document")
    listing.add_argument("--status", choices=CASE_STATUSES, help="only cases with this status (open, resolved, closed)")
    listing.add_argument("--category", help="only cases of this category")
    listing.add_argument("--department", help="only cases with a factor naming this department")
    add_wait_option(listing)
    listing.set_defaults(run=cases, store=StoreMode.READ)

    one = commands.add_parser("case", parents=[common], help="one case report with its timeline")
    one.add_argument("case", metavar="CASE", help="the case id or case_ref")
    one.add_argument("--json", action="store_true", help="print one JSON document")
    one.add_argument("--as-of", metavar="T", type=moment,
                     help="as it stood in the world at T (events that occurred by T); RFC 3339 with offset")
    one.add_argument("--known-at", metavar="T", type=moment,
                     help="as it was known at T (events reported by T); RFC 3339 with offset")
    add_wait_option(one)
    one.set_defaults(run=case, store=StoreMode.READ)

    rebuild = commands.add_parser("replay", parents=[common],
                                  help="rebuild every view from the log, then let the detectors catch up")
    rebuild.add_argument("--json", action="store_true", help="print one JSON document")
    rebuild.set_defaults(run=replay, store=StoreMode.WRITE)


def cases(args: argparse.Namespace, settings: Settings) -> int:
    reader = open_views(args, settings)
    try:
        found = reader.cases.list_cases(status=args.status, category=args.category, department=args.department)
    finally:
        reader.close()
    if args.json:
        print_json(found)
        return 0
    columns = [Column("opened"), Column("case", key=True), Column("category"), Column("status"), Column("priority"),
               Column("departments")]
    show_table(f"{plural(len(found), 'case')}, oldest first", columns,
               [[case["opened_at"], case["case_ref"], case["category"], case["status"], case["priority"],
                 ", ".join(case["departments"])] for case in found])
    return 0


def case(args: argparse.Namespace, settings: Settings) -> int:
    moment = Moment(args.as_of, args.known_at)
    reader = open_views(args, settings)
    try:
        report = reader.cases.case_report(args.case, moment)
    finally:
        reader.close()
    if args.json:
        print_json(report)
    else:
        _show_case(report, moment)
    return 0


def replay(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from casetrail.adapters.bootstrap import bootstrap

    system = bootstrap(settings)
    rebuilt: dict[str, int] = {}
    try:
        system.ingestion.chained_log.chain_up()  # a log written before its chain gets its links once
        total = system.ingestion.recorder.max_notification_id() or 0
        with Progress(TextColumn("rebuilding {task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeRemainingColumn(), console=Console(stderr=True), disable=not sys.stderr.isatty()) as bar:
            for runner in system.views:
                task = bar.add_task(runner.view.name, total=total)
                rebuilt[runner.view.name] = runner.rebuild(progress=partial(bar.advance, task))
                if not args.json:
                    say(f"{runner.view.name}: rebuilt from {rebuilt[runner.view.name]} stored events")
        # The detectors, and the views again for what they record: the store is left current.
        system.catch_up()
    finally:
        system.close()
    if args.json:
        print_json({"views": {name: {"events": applied} for name, applied in rebuilt.items()}})
    return 0


SUBJECTS = {"booking_refs": ("booking", "bookings"), "party_refs": ("party", "parties"),
            "resources": ("resource", "resources"), "contact_refs": ("contact", "contacts")}


def _show_case(report: dict[str, Any], moment: Moment) -> None:
    moments = []
    if moment.as_of:
        moments.append(f"as of {utc_text(moment.as_of)}")
    if moment.known_at:
        moments.append(f"as known at {utc_text(moment.known_at)}")
    when = " and ".join(moments)
    ref = (report["case_ref"], "bold")
    if report["opened_at"] is None:
        say(ref, " was not open yet", f" {when}" if when else "")
    else:
        say(ref, "  ", *_described(report), f" ({when})" if when else "")
    subjects = [f"{singular if len(refs) == 1 else several} {', '.join(refs)}"
                for key, (singular, several) in SUBJECTS.items() if (refs := report["subjects"].get(key))]
    if subjects:
        say("subjects: ", "; ".join(subjects))
    if report["timeline"]:
        say(("timeline", "bold"), " (UTC)")
    for entry in report["timeline"]:
        who = "/".join(filter(None, [entry["department"], entry["actor"]]))
        say(entry["occurred_at"], "  ", (who, "cyan"), "  ", entry["summary"], "  ",
            (f"{entry['source']}#{entry['id']}", "dim"), indent=2)
    if report["factors"]:
        say(("contributing factors", "bold"))
    for factor in report["factors"]:
        say(factor["code"], " against ", (factor["department"], "cyan"), ": ", factor_decision(factor), indent=2)
        say(factor["explanation"], indent=4, hang=2)
        say(("evidence: " + ", ".join(f"{e['source']}#{e['id']}" for e in factor["evidence"]), "dim"), indent=4, hang=2)
    say("effort: ", _effort(report["effort"], settled=report["status"] in ("resolved", "closed")))


def _described(report: dict[str, Any]) -> list[Part]:
    """``overbooking, high priority, open, opened 2019-06-21T04:24:00Z by detector:overbooking``."""
    parts: list[Part] = [f"{report['category']}, " if report["category"] else "",
                         f"{report['priority']} priority, {report['status']}, opened {report['opened_at']}"]
    if report["opened_by"]:
        parts.append(f" by {report['opened_by']}")
    if report["proactive"]:
        parts.append((", proactively (before the party got in touch)", "yellow"))
    return parts


def factor_decision(factor: dict[str, Any]) -> str:
    """Who said what about a factor: ``confirmed by lead-7 at T: rationale; proposed by detector:overbooking``."""
    if factor.get("decided_by"):
        return (f"{factor['status']} by {factor['decided_by']} at {factor['decided_at']}: {factor['rationale']}; "
                f"proposed by {factor['proposed_by']}")
    if factor["status"] == "confirmed":
        return f"added by {factor['proposed_by']}"
    return f"{factor['status']} by {factor['proposed_by']}"


def _effort(effort: dict[str, Any], settled: bool) -> str:
    """``3 contacts, 2 transfers, 14 min on hold, 4 agents in 3 departments, escalated to executive, ...``."""
    said = [plural(effort["contacts"], "contact"), plural(effort["transfers"], "transfer"),
            f"{duration(effort['hold_seconds'])} on hold" if effort["hold_seconds"] else "no time on hold"]
    if effort["agents"]:
        said.append(f"{plural(effort['agents'], 'agent')} in {plural(effort['departments'], 'department')}")
    said.append("no escalation" if effort["highest_escalation"] == "none"
                else f"escalated to {effort['highest_escalation']}")
    if effort["elapsed_seconds"]:
        said.append(f"{duration(effort['elapsed_seconds'])} from the first event to "
                    + ("the resolution" if settled else "the latest"))
    if effort["contacts"]:
        said.append("resolved at the first contact" if effort.get("first_contact_resolution")
                    else "not resolved at the first contact")
    return ", ".join(said)
