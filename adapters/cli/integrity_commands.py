"""``casetrail verify``: whether the log is still what was written, by its hash chain."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from casetrail.adapters.bootstrap import bootstrap
from casetrail.adapters.cli.exit_status import EXIT_FAILED, EXIT_OK
from casetrail.adapters.cli.output import print_json, say
from casetrail.adapters.settings import Settings


def add_parser(commands: Any, common: argparse.ArgumentParser) -> None:
    verify = commands.add_parser("verify", parents=[common], help="check the log against its hash chain")
    verify.add_argument("--json", action="store_true", help="print one JSON document")
    verify.set_defaults(run=run_verify)


def run_verify(args: argparse.Namespace, settings: Settings) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from casetrail.services.verification import verify_log

    system = bootstrap(settings)
    try:
        log = system.ingestion.chained_log
        with Progress(TextColumn("verifying the log"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      console=Console(stderr=True), transient=True, disable=not sys.stderr.isatty()) as bar:
            task = bar.add_task("", total=system.ingestion.recorder.max_notification_id() or 0)
            checked, broken = verify_log(log, lambda count: bar.advance(task, count))
    finally:
        system.close()
    if args.json:
        print_json({"intact": broken is None, "checked": checked,
                    "break": None if broken is None else {"position": broken.position, "problem": broken.problem}})
    elif broken is None:
        say(f"the log is intact: {checked} positions, each linked to the one before")
    else:
        say(f"the log is broken at position {broken.position}: {broken.problem}; {checked} positions before it "
            "are intact")
    return EXIT_OK if broken is None else EXIT_FAILED
