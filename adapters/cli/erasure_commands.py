"""``casetrail erase PARTY --by WHO --reason TEXT``: a party's personal data made unreadable for good."""

from __future__ import annotations

import argparse
from typing import Any

from casetrail.adapters.cli.output import plural, print_json, say
from casetrail.adapters.cli.store_mode import StoreMode
from casetrail.adapters.settings import Settings


def add_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    erase = commands.add_parser("erase", parents=[common],
                                help="erase a party's personal data (its key is destroyed); the log and reports hold")
    erase.add_argument("party", metavar="PARTY", help="the party's ref, e.g. guest-17")
    erase.add_argument("--by", required=True, help="who erases it (recorded as the erasure's actor)")
    erase.add_argument("--reason", required=True, help="why, e.g. the request's reference")
    erase.add_argument("--json", action="store_true", help="print one JSON document")
    erase.set_defaults(run=run_erase, store=StoreMode.WRITE)


def run_erase(args: argparse.Namespace, settings: Settings) -> int:
    from casetrail.adapters.bootstrap import bootstrap

    system = bootstrap(settings)
    try:
        outcome = system.erase(args.party, args.by, args.reason)
    finally:
        system.close()
    if args.json:
        print_json({"party_ref": outcome.party, "first_time": outcome.first_time,
                    "purged_rejects": outcome.purged_rejects, "rewritten_entries": outcome.rewritten_entries,
                    "compacted": outcome.compacted})
        return 0
    done = "erased" if outcome.first_time else "was erased before; its erasure is finished again"
    say(f"party {outcome.party} {done}: its key is destroyed, "
        f"{plural(outcome.rewritten_entries, 'timeline entry', 'timeline entries')} read erased now, "
        f"{plural(outcome.purged_rejects, 'rejected input')} naming it purged")
    if not outcome.compacted:
        say("warning: another process was using the store, so its freed pages may still hold the text; "
            "run the same erase again when the store is quiet")
    return 0
