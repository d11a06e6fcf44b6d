"""A lead's work on a case, recorded as events on it: ``casetrail factor confirm|reject|add``
and ``casetrail assign|escalate|resolve|reopen|close``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

from casetrail.adapters.cli.output import say
from casetrail.adapters.cli.store_mode import StoreMode
from casetrail.adapters.config_file import load_config
from casetrail.adapters.settings import Settings
from casetrail.domain.errors import UnknownEscalationLevel
from casetrail.services.evidence import evidence_refs

if TYPE_CHECKING:
    from casetrail.adapters.bootstrap import System


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser],
                common: argparse.ArgumentParser) -> None:
    factor = commands.add_parser("factor", parents=[common], help="confirm, reject or add a contributing factor")
    decisions = factor.add_subparsers(title="decisions", required=True, metavar="DECISION")
    for name, confirm in (("confirm", True), ("reject", False)):
        decision = decisions.add_parser(name, parents=[common], help=f"{name} a proposed factor, with a rationale")
        decision.add_argument("case", metavar="CASE", help="the case id or case_ref")
        decision.add_argument("code", metavar="CODE", help="the factor's code, e.g. stop_sell_not_honoured")
        decision.add_argument("--by", required=True, help="who decides (a lead's id)")
        decision.add_argument("--rationale", required=True, help="why")
        decision.add_argument("--department", help="the factor's department, when the case has several with CODE")
        decision.add_argument("--subject", help="the factor's subject, e.g. phone_booking/read_back, when needed")
        decision.set_defaults(run=decide, confirm=confirm, store=StoreMode.WRITE)
    added = decisions.add_parser("add", parents=[common], help="add a factor no detector proposed")
    added.add_argument("case", metavar="CASE", help="the case id or case_ref")
    added.add_argument("--code", required=True)
    added.add_argument("--department", required=True, help="the department that contributed")
    added.add_argument("--explanation", required=True, help="one sentence, with the times involved")
    added.add_argument("--evidence", nargs="+", required=True, metavar="SOURCE#ID",
                       help="the events that show it, as SOURCE#ID")
    added.add_argument("--by", required=True, help="who adds it (a lead's id)")
    added.set_defaults(run=add, store=StoreMode.WRITE)

    for name, kind, options in LIFECYCLE_COMMANDS:
        change = commands.add_parser(name, parents=[common], help=f"record that a lead {kind} a case")
        change.add_argument("case", metavar="CASE", help="the case id or case_ref")
        change.add_argument("--by", required=True, help="who does it (a lead's id)")
        for option, required, text in options:
            change.add_argument(f"--{option}", required=required, help=text)
        change.set_defaults(run=change_case, kind=kind, store=StoreMode.WRITE, fields=[option for option, _, _ in options],
                            usage_error=change.error)


LIFECYCLE_COMMANDS = [
    ("assign", "assigned", [("department", True, "the department that takes it"), ("agent", False, "who in it")]),
    ("escalate", "escalated", [("level", True, "supervisor, manager or executive")]),
    ("resolve", "resolved", [("resolution", True, "how it was resolved")]),
    ("reopen", "reopened", [("reason", False, "why")]),
    ("close", "closed", []),
]


def on_case(settings: Settings, case: str, work: Callable[[System, str], None]) -> str:
    """Do a lead's work on a case named by id or ref, with views and detectors current before and after."""
    from casetrail.adapters.bootstrap import bootstrap

    system = bootstrap(settings)
    try:
        return system.on_case(case, lambda case_ref: work(system, case_ref))
    finally:
        system.close()


def change_case(args: argparse.Namespace, settings: Settings) -> int:
    fields = {name: getattr(args, name) for name in args.fields if getattr(args, name) is not None}
    if args.kind == "escalated":
        # The levels come from the configuration, so argparse's choices cannot say them: a usage error all the same.
        try:
            load_config(settings.config_path).check_escalation_level(args.level)
        except UnknownEscalationLevel as error:
            args.usage_error(f"argument --level: {error}")
    case_ref = on_case(settings, args.case, lambda system, ref: system.desk.change(ref, args.kind, args.by, **fields))
    say(f"{case_ref}: {args.kind} by {args.by}")
    return 0


def decide(args: argparse.Namespace, settings: Settings) -> int:
    case_ref = on_case(settings, args.case, lambda system, ref: system.desk.decide(
        ref, args.code, args.confirm, args.by, args.rationale, args.department, args.subject))
    say(f"{case_ref}: {args.code} {'confirmed' if args.confirm else 'rejected'} by {args.by}")
    return 0


def add(args: argparse.Namespace, settings: Settings) -> int:
    evidence = evidence_refs(args.evidence, "--evidence")
    case_ref = on_case(settings, args.case, lambda system, ref: system.desk.add_factor(
        ref, args.code, args.department, args.explanation, evidence, args.by))
    say(f"{case_ref}: {args.code} added against {args.department} by {args.by}")
    return 0
