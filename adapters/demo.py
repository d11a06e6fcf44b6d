"""``casetrail demo``: the bundled sample incidents into a fresh SQLite file, and what was found."""

from __future__ import annotations

import argparse
import json
import sys
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from adapters.bootstrap import bootstrap
from adapters.jsonl import read_inputs
from adapters.settings import Settings

DEMO_FILE = "casetrail-demo.db"


def sample_names() -> list[str]:
    return sorted(entry.name for entry in files("adapters").joinpath("samples").iterdir()
                  if entry.name.endswith(".jsonl"))


def run(args: argparse.Namespace, settings: Settings) -> int:
    database = Path(DEMO_FILE)
    for leftover in (database, Path(f"{DEMO_FILE}-wal"), Path(f"{DEMO_FILE}-shm")):
        leftover.unlink(missing_ok=True)
    system = bootstrap(settings.model_copy(update={"database_url": f"sqlite:///{database}"}))
    scenarios: list[dict[str, Any]] = []
    try:
        for name in sample_names():
            with as_file(files("adapters").joinpath("samples", name)) as path:
                counts = system.ingestion.ingest(read_inputs([str(path)]), backfill=True)
            scenarios.append({"scenario": name.removesuffix(".jsonl"), **vars(counts)})
        stored = system.ingestion.ledger.accepted_counts()
        rejects = system.ingestion.ledger.rejected_inputs()
    finally:
        system.close()

    if args.json:
        json.dump({"database": f"sqlite:///{database}", "scenarios": scenarios, "stored_by_type": stored,
                   "rejected": len(rejects)}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    _show(scenarios, stored, len(rejects), database)
    return 0


def _show(scenarios: list[dict[str, Any]], stored: dict[str, int], rejected: int, database: Path) -> None:
    console = Console()
    loaded = Table("scenario", "accepted", "duplicates", "rejected", title="Sample incidents ingested")
    for s in scenarios:
        loaded.add_row(s["scenario"], str(s["accepted"]), str(s["duplicates"]), str(s["rejected"]))
    console.print(loaded)
    by_type = Table("event type", "stored", title="Events stored, by inbound type")
    for event_type, count in stored.items():
        by_type.add_row(event_type, str(count))
    by_type.add_row("[bold]total[/bold]", f"[bold]{sum(stored.values())}[/bold]")
    console.print(by_type)
    console.print(f"Rejected inputs: {rejected}")
    console.print(f"Explore it: casetrail --database sqlite:///{database} rejects")
