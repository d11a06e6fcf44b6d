"""``casetrail import hotel-bookings PATH``: a known data set, through the same ingestion as any input."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from casetrail.adapters.cli.arguments import positive_int
from casetrail.adapters.cli.exit_status import EXIT_OK, EXIT_REJECTED
from casetrail.adapters.cli.output import print_json
from casetrail.adapters.cli.store_mode import StoreMode
from casetrail.adapters.settings import Settings

if TYPE_CHECKING:
    from casetrail.services.ingestion import IngestCounts


def add_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    importer = commands.add_parser("import", parents=[common], help="import a known data set")
    data_sets = importer.add_subparsers(title="data sets", required=True, metavar="DATA_SET")
    hotel = data_sets.add_parser("hotel-bookings", parents=[common],
                                 help="the Hotel Booking Demand data set (CSV, or CSV in gzip)")
    hotel.add_argument("path", metavar="PATH")
    hotel.add_argument("--rows", type=positive_int, help="only the first N rows")
    hotel.add_argument("--json", action="store_true", help="print one JSON document")
    hotel.set_defaults(run=run_hotel_bookings, store=StoreMode.CREATE)


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
