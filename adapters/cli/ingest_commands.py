"""``casetrail ingest``: JSON Lines CloudEvents from files or standard input."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from casetrail.adapters.cli.arguments import positive_int
from casetrail.adapters.cli.exit_status import EXIT_OK, EXIT_REJECTED
from casetrail.adapters.cli.output import print_json
from casetrail.adapters.cli.store_mode import StoreMode
from casetrail.adapters.settings import Settings

if TYPE_CHECKING:
    from casetrail.services.batches import IngestCounts


def add_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    ingest = commands.add_parser("ingest", parents=[common], help="store JSON Lines CloudEvents (- for stdin)")
    ingest.add_argument("paths", nargs="+", metavar="PATH")
    ingest.add_argument("--json", action="store_true", help="print one JSON document")
    ingest.add_argument("--backfill", action="store_true",
                        help="historical input: an event without reportedat was known when it occurred")
    ingest.add_argument("--batch-size", type=positive_int, default=500, help="events per transaction (default 500)")
    ingest.set_defaults(run=run, store=StoreMode.CREATE)


# Accepted inputs between two catch-ups of the views and detectors during one ingest.
CATCH_UP_EVERY = 100_000


def run(args: argparse.Namespace, settings: Settings) -> int:
    from casetrail.adapters.bootstrap import bootstrap
    from casetrail.adapters.cli.progress import ByteProgress
    from casetrail.adapters.importers.jsonl import check_readable, read_inputs

    check_readable(args.paths)
    system = bootstrap(settings)
    since_catch_up = 0

    def stored(batch: IngestCounts) -> None:
        # A long stream keeps the views and detectors current as it goes: each catch-up
        # then holds a bounded backlog in memory, and readers see the views move.
        nonlocal since_catch_up
        since_catch_up += batch.accepted
        if since_catch_up >= CATCH_UP_EVERY:
            system.catch_up()
            since_catch_up = 0

    try:
        with ByteProgress(args.paths, "ingesting") as progress:
            counts = system.ingestion.ingest(read_inputs(args.paths, progress.advance), batch_size=args.batch_size,
                                             backfill=args.backfill, on_batch=stored)
        system.catch_up()
    finally:
        system.close()
    if args.json:
        print_json(vars(counts))
    else:
        print(counts)
    return EXIT_REJECTED if counts.rejected else EXIT_OK
