"""``casetrail rejects``: the rejected inputs with their reasons, kept byte for byte."""

from __future__ import annotations

import argparse
from typing import Any

from casetrail.adapters.cli.exit_status import EXIT_OK
from casetrail.adapters.cli.output import Column, plural, print_json, show_table, utc_text
from casetrail.adapters.cli.store_mode import StoreMode
from casetrail.adapters.reading import open_reader
from casetrail.adapters.settings import Settings
from casetrail.services.reject_documents import reject_document


def add_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    rejects = commands.add_parser("rejects", parents=[common], help="list rejected inputs with their reasons")
    rejects.add_argument("--json", action="store_true", help="print one JSON document")
    rejects.set_defaults(run=run, store=StoreMode.READ)


def run(args: argparse.Namespace, settings: Settings) -> int:
    # The ledger is written with the log, in the same transaction: never behind it.
    reader = open_reader(settings)
    try:
        found = reader.rejected_inputs()
    finally:
        reader.close()
    if args.json:
        print_json([reject_document(r) for r in found])
        return EXIT_OK
    columns = [Column("received"), Column("entrance", key=True), Column("reason"), Column("input")]
    show_table(plural(len(found), "rejected input"), columns,
               [[utc_text(r.received_at), r.entrance, r.reason, _preview(r.raw.decode("utf-8", "replace"))]
                for r in found])
    return EXIT_OK


def _preview(raw: str, length: int = 80) -> str:
    return raw if len(raw) <= length else raw[:length] + "…"
