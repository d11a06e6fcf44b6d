"""``casetrail import``: a known data set (``hotel-bookings``) or a helpdesk's export (``zendesk``,
``netsuite``, ``mailbox``), through the same ingestion as any input."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from casetrail.adapters.cli.arguments import positive_int
from casetrail.adapters.cli.exit_status import EXIT_FAILED, EXIT_OK, EXIT_REJECTED
from casetrail.adapters.cli.output import print_json
from casetrail.adapters.cli.store_mode import StoreMode
from casetrail.adapters.settings import Settings

if TYPE_CHECKING:
    from casetrail.services.ingestion import IngestCounts


def add_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    importer = commands.add_parser("import", parents=[common], help="import a known data set or a helpdesk's export")
    data_sets = importer.add_subparsers(title="data sets", required=True, metavar="DATA_SET")
    hotel = data_sets.add_parser("hotel-bookings", parents=[common],
                                 help="the Hotel Booking Demand data set (CSV, or CSV in gzip)")
    hotel.add_argument("path", metavar="PATH")
    hotel.add_argument("--rows", type=positive_int, help="only the first N rows")
    hotel.add_argument("--json", action="store_true", help="print one JSON document")
    hotel.set_defaults(run=run_hotel_bookings, store=StoreMode.CREATE)
    for name, path, what in HELPDESKS:
        helpdesk = data_sets.add_parser(name, parents=[common], help=what)
        helpdesk.add_argument("path", metavar=path)
        helpdesk.add_argument("--json", action="store_true", help="print one JSON document")
        helpdesk.set_defaults(run=run_helpdesk, helpdesk=name, store=StoreMode.CREATE)


HELPDESKS = (
    ("zendesk", "FILE", "Zendesk's incremental ticket event export or ticket audits (JSON; docs/helpdesks.md)"),
    ("netsuite", "FILE", "NetSuite supportCase records from its REST record service (JSON; docs/helpdesks.md)"),
    ("mailbox", "PATH", "an mbox file (a Gmail export) or a Maildir folder (docs/helpdesks.md)"),
)


def run_hotel_bookings(args: argparse.Namespace, settings: Settings) -> int:
    # Imported here: every other command builds this parser, and none needs these.
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeRemainingColumn

    from casetrail.adapters.bootstrap import bootstrap
    from casetrail.adapters.importers import hotel_bookings
    from casetrail.adapters.processes.view_follower import ViewFollower
    from casetrail.services.ingestion import RawInput

    stays = hotel_bookings.read_stays(args.path)[:args.rows]
    rows = len(stays)
    system = bootstrap(settings)
    events = 0
    try:
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeRemainingColumn(), console=Console(stderr=True), transient=True,
                      disable=not sys.stderr.isatty()) as bar:
            stored = bar.add_task("storing events", total=None)

            def landed(counts: IngestCounts) -> None:
                bar.update(stored, advance=counts.accepted + counts.duplicates + counts.rejected)

            def inputs() -> Iterator[RawInput]:
                nonlocal events
                for events, line in enumerate(hotel_bookings.events(stays), start=1):
                    yield RawInput(line, f"hotel-bookings:{args.path}:{events}")

            # The views follow the ingestion on the other core; the detectors see the whole data set at the end.
            follower = ViewFollower(settings, detectors=False)
            follower.start()
            try:
                # A historical record: each event was known when it occurred.
                counts = system.ingestion.ingest(inputs(), on_batch=landed, backfill=True)
                bar.add_task("views catching up", total=None)
            finally:
                follower.stop()
            bar.add_task("detectors looking at the whole data set", total=None)
            system.catch_up()
    finally:
        system.close()
    summary = {"rows": rows, "events": events, **vars(counts)}
    if args.json:
        print_json(summary)
    else:
        print(f"{rows} rows, {events} events: {counts}")
    return EXIT_REJECTED if counts.rejected else EXIT_OK


def run_helpdesk(args: argparse.Namespace, settings: Settings) -> int:
    """Reads the whole export first (a file that is not one stores nothing), then tells its records
    as events against what the store already holds, and ingests them as a historical record."""
    from pathlib import Path

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeRemainingColumn

    from casetrail.adapters.bootstrap import bootstrap
    from casetrail.adapters.importers import helpdesk, mailbox, netsuite, zendesk
    from casetrail.adapters.importers.jsonl import InputError

    if not Path(args.path).exists():
        raise InputError(f"{args.path}: no such file")
    name, tally = Path(args.path).name, helpdesk.Tally()
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=Console(stderr=True), transient=True,
                  disable=not sys.stderr.isatty()) as bar:
        reading = bar.add_task(f"reading {name}", total=None)
        if args.helpdesk == "zendesk":
            audits = zendesk.read_audits(args.path)
            tally.records = len(audits)
        elif args.helpdesk == "netsuite":
            cases = netsuite.read_records(args.path)
            tally.records = len(cases)
        else:
            mails, unreadable = mailbox.read_mail(args.path)
            tally.records = len(mails) + len(unreadable)
        bar.update(reading, total=1, completed=1)
        system = bootstrap(settings)
        try:
            known = helpdesk.StoredKnown(system.cases, system.ingestion.ledger)
            config = system.config.helpdesks
            if args.helpdesk == "zendesk":
                told = list(zendesk.tell(audits, config.zendesk, known, tally, name))
            elif args.helpdesk == "netsuite":
                told = list(netsuite.tell(cases, config.netsuite, tally, name))
            else:
                told = unreadable + list(mailbox.tell(mails, config.mailbox, known, tally, name))
            stored = bar.add_task("storing events", total=sum(len(t.events) + len(t.refused) for t in told))

            def landed(counts: IngestCounts) -> None:
                bar.update(stored, advance=counts.accepted + counts.duplicates + counts.rejected)

            # An export is a historical record: each event was known when it occurred.
            counts = system.ingestion.ingest(helpdesk.raw_inputs(told, args.helpdesk, tally, known),
                                             on_batch=landed, backfill=True)
            bar.add_task("views and detectors catching up", total=None)
            system.catch_up()
        finally:
            system.close()
    summary = {"records": tally.records, "events": tally.events, "refused": tally.refused,
               "seen_before": tally.seen_before, "not_recorded": dict(sorted(tally.not_recorded.items())),
               **vars(counts)}
    if args.json:
        print_json(summary)
    else:
        skipped = ", ".join(f"{what} {count}" for what, count in summary["not_recorded"].items())
        print(f"{tally.records} records, {tally.events} events: {counts}"
              + (f"; refused {tally.refused}" if tally.refused else "")
              + (f"; not recorded: {skipped}" if skipped else ""))
    if tally.first_refusal:
        more = f" ({tally.refused} refused in all)" if tally.refused > 1 else ""
        print(f"casetrail: {tally.first_refusal}{more}; kept with the reasons (casetrail rejects), "
              "the valid records stored", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_REJECTED if counts.rejected else EXIT_OK
