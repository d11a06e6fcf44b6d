"""``casetrail case CASE --json`` on the hotel booking data set, for the first cases of the store.

As a command, beside starting the same interpreter with ``-c pass`` (run in turn with it, so both
meet the same load); in process, the report beside one query that reads the rows its timeline
shows, the least any answer must do.

``python -m benchmarks.case_latency [--store sqlite|postgres] [--database URL]`` measures a store
already made; without one it imports the data set into a temporary store of that kind first. The
import leaves the views current, and the reads never catch them up: the store is read as it is.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.import_rate import DATA_SET, ROOT
from benchmarks.results import Results
from benchmarks.stores import fresh_store
from casetrail.adapters.reading import Reader, open_reader
from casetrail.adapters.settings import Settings
from casetrail.adapters.storage.database import store_env
from casetrail.projections.timeline import COLUMNS

CASES = 100
# Entries read by one query: two parameters each, within every SQLite build's limit.
ENTRIES_PER_QUERY = 5000


@dataclass(frozen=True)
class CaseLatencyFigures:
    cases: int
    command_ms: tuple[float, float]  # p50, p95
    python_ms: tuple[float, float]  # `python -c pass`, the same interpreter, in the same run
    leanest_ms: tuple[float, float]  # the least a command on this store can do: the driver, a connection, one query
    report_ms: tuple[float, float]  # in process
    rows_ms: tuple[float, float]  # one query reading the rows the report's timeline shows
    entries: tuple[int, int]  # the timelines' median and largest length
    stages_ms: dict[str, float]  # where a command's time goes: the median of each stage


# One command's stages, timed inside it: what `case --json` imports and does, in its order.
STAGES = """
import sys, time
started = time.perf_counter()
import casetrail.adapters.cli.main, casetrail.adapters.cli.case_commands
marks = {"casetrail's modules": time.perf_counter()}
if not sys.argv[1].startswith("sqlite"):
    import psycopg
    marks["psycopg"] = time.perf_counter()
import contextlib, io, json
from casetrail.adapters.reading import open_reader
from casetrail.adapters.settings import Settings
from casetrail.adapters.storage.database import store_env
reader = open_reader(Settings(database_url=sys.argv[1]))
reader.lag()
marks["open the store, read the positions"] = time.perf_counter()
report = reader.cases.case_report(sys.argv[2])
marks["the case report"] = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    casetrail.adapters.cli.case_commands.print_json(report)
marks["the JSON"] = time.perf_counter()
reader.close()
before = started
for name, at in marks.items():
    marks[name], before = (at - before) * 1000, at
print(json.dumps(marks))
"""


# The floor under any command on a store: import its driver, connect, and read the case's own
# timeline rows in one query; nothing of casetrail. Arguments: the kind, where the store is
# (a file, or a JSON conninfo), the timeline table's qualified name, the case_ref.
LEANEST = """
import sys
kind, where, table, ref = sys.argv[1:]
if kind == "sqlite":
    import sqlite3
    conn = sqlite3.connect(f"file:{where}?mode=ro", uri=True)
    rows = conn.execute(f"SELECT * FROM {table} WHERE case_ref = ?", (ref,)).fetchall()
else:
    import json, psycopg
    with psycopg.connect(**json.loads(where)) as conn:
        rows = conn.execute(f"SELECT * FROM {table} WHERE case_ref = %s", (ref,)).fetchall()
print(len(rows))
"""


def measure_case_latency(kind: str = "sqlite", url: str | None = None, path: Path = DATA_SET,
                         cases: int = CASES) -> CaseLatencyFigures:
    """Over the first ``cases`` cases of the store at ``url``, or of a fresh store of ``kind`` holding the data set."""
    if url is not None:
        return _measure(url, cases)
    with fresh_store(kind) as fresh:
        subprocess.run([sys.executable, "-m", "benchmarks.import_worker", fresh, str(path)], cwd=ROOT, check=True,
                       capture_output=True)
        return _measure(fresh, cases)


def _measure(url: str, cases: int) -> CaseLatencyFigures:
    reader = open_reader(Settings(database_url=url))
    try:
        if reader.lag().behind:
            raise RuntimeError(f"the views of {url} are behind its log")
        refs = [c["case_ref"] for c in reader.cases.list_cases()][:cases]
        if not refs:
            raise RuntimeError(f"no cases in {url}")
        report, rows, entries = _in_process(reader, refs)
    finally:
        reader.close()
    command, python, leanest = _commands(url, refs)
    return CaseLatencyFigures(len(refs), _p50_p95(command), _p50_p95(python), _p50_p95(leanest),
                              _p50_p95(report), _p50_p95(rows),
                              (int(statistics.median(entries)), max(entries)), _stages(url, refs))


def _stages(url: str, refs: list[str]) -> dict[str, float]:
    """The median of each stage of a command, over the cases (the interpreter's start is the baseline's)."""
    timed: dict[str, list[float]] = {}
    for ref in refs:
        done = subprocess.run([sys.executable, "-c", STAGES, url, ref], capture_output=True, check=True, text=True)
        for stage, ms in json.loads(done.stdout).items():
            timed.setdefault(stage, []).append(ms)
    return {stage: statistics.median(ms) for stage, ms in timed.items()}


def _in_process(reader: Reader, refs: list[str]) -> tuple[list[float], list[float], list[int]]:
    for ref in refs[:5]:  # the first reads warm the database's pages for both
        reader.cases.case_report(ref)
    report, rows, entries = [], [], []
    for ref in refs:
        started = time.perf_counter()
        timeline = reader.cases.case_report(ref)["timeline"]
        report.append(_ms_since(started))
        keys = [(e["source"], e["id"]) for e in timeline]
        started = time.perf_counter()
        found = sum(len(_timeline_rows(reader, keys[start : start + ENTRIES_PER_QUERY]))
                    for start in range(0, len(keys), ENTRIES_PER_QUERY))
        rows.append(_ms_since(started))
        if found != len(keys):
            raise RuntimeError(f"case {ref}: {found} rows for {len(keys)} timeline entries")
        entries.append(len(keys))
    return report, rows, entries


def _timeline_rows(reader: Reader, keys: Sequence[tuple[str, str]]) -> list[tuple[Any, ...]]:
    """The timeline's rows by their primary key, in one query."""
    if not keys:
        return []
    return reader.store.query(
        f"WITH wanted (source, source_id) AS (VALUES {', '.join(['(?, ?)'] * len(keys))}) "
        f"SELECT {', '.join('t.' + c for c in COLUMNS)} FROM wanted CROSS JOIN timeline_entries t "
        "WHERE t.source = wanted.source AND t.source_id = wanted.source_id", [v for key in keys for v in key])


def _commands(url: str, refs: list[str]) -> tuple[list[float], list[float], list[float]]:
    """Each case's command, the bare interpreter, and the leanest read of the case, taken in turn."""
    script = Path(sys.executable).with_name("casetrail")
    casetrail = [str(script)] if script.exists() else [sys.executable, "-m", "casetrail"]
    leanest = [sys.executable, "-c", LEANEST, *_where(url)]
    command, python, lean = [], [], []
    for ref in refs:
        started = time.perf_counter()
        done = subprocess.run([*casetrail, "--database", url, "case", ref, "--json"], capture_output=True, check=True)
        command.append(_ms_since(started))
        if json.loads(done.stdout)["case_ref"] != ref:
            raise RuntimeError(f"case {ref}: the command answered for another case")
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], capture_output=True, check=True)
        python.append(_ms_since(started))
        started = time.perf_counter()
        subprocess.run([*leanest, ref], capture_output=True, check=True)
        lean.append(_ms_since(started))
    return command, python, lean


def _where(url: str) -> list[str]:
    """The leanest read's arguments for the store at ``url``: its kind, where it is, the timeline's table."""
    env = store_env(url)
    if env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
        return ["sqlite", env["SQLITE_DBNAME"], "timeline_entries"]
    conninfo = {"dbname": env["POSTGRES_DBNAME"], "host": env["POSTGRES_HOST"], "port": env["POSTGRES_PORT"],
                "user": env["POSTGRES_USER"], "password": env["POSTGRES_PASSWORD"]}
    return ["postgres", json.dumps(conninfo), f'"{env["POSTGRES_SCHEMA"] or "public"}".timeline_entries']


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _p50_p95(timings: list[float]) -> tuple[float, float]:
    if len(timings) < 2:
        return timings[0], timings[0]
    return statistics.median(timings), statistics.quantiles(timings, n=20)[18]


def add_rows(results: Results, figures: CaseLatencyFigures, label: str) -> None:
    """The rows ``make bench`` prints for one store."""
    command, python, report, rows = figures.command_ms, figures.python_ms, figures.report_ms, figures.rows_ms
    leanest = figures.leanest_ms
    bare = f"p50 {python[0]:.0f} ms, p95 {python[1]:.0f} ms: python -c pass"
    results.add(f"case --json as a command, first {figures.cases} cases of the hotel data set, {label}",
                f"p50 {command[0]:.0f} ms, p95 {command[1]:.0f} ms", f"{bare}, same interpreter", "p95 ≤ 5×",
                value=command[1], unit="ms (p95)", baseline=python[1], ratio=command[1] / python[1],
                ratio_shown=f"{command[1] / python[1]:.1f}")
    results.add(f"the floor under it: import the store's driver, connect, read the case's rows in one query, {label}",
                f"p50 {leanest[0]:.0f} ms, p95 {leanest[1]:.0f} ms", bare,
                value=leanest[1], unit="ms (p95)", baseline=python[1], ratio=leanest[1] / python[1],
                ratio_shown=f"{leanest[1] / python[1]:.1f}")
    results.add(f"case report in process, same cases ({figures.entries[0]} timeline entries at the median, "
                f"{figures.entries[1]} at most), {label}",
                f"p50 {report[0]:.1f} ms, p95 {report[1]:.1f} ms",
                f"p50 {rows[0]:.1f} ms, p95 {rows[1]:.1f} ms: one query reading the timeline's rows", "p95 ≤ 3×",
                value=report[1], unit="ms (p95)", baseline=rows[1], ratio=report[1] / rows[1],
                ratio_shown=f"{report[1] / rows[1]:.1f}")
    results.add(f"where case --json's time goes after the interpreter's start (medians), {label}",
                ", ".join(f"{stage} {ms:.0f} ms" for stage, ms in figures.stages_ms.items()), value=None, unit="ms")


def main() -> None:
    from rich.console import Console

    from casetrail.adapters.logs import configure_logging

    parser = argparse.ArgumentParser(prog="python -m benchmarks.case_latency")
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite",
                        help="the kind of store to import the data set into (default sqlite)")
    parser.add_argument("--database", help="a store holding the hotel data set (default: import it into a new one)")
    parser.add_argument("--cases", type=int, default=CASES, help=f"how many cases, oldest first (default {CASES})")
    args = parser.parse_args()
    configure_logging("warning")
    figures = measure_case_latency(args.store, args.database, cases=args.cases)
    results = Results("case --json")
    sqlite = args.database.startswith("sqlite") if args.database else args.store == "sqlite"
    add_rows(results, figures, "SQLite" if sqlite else "PostgreSQL")
    Console(width=160).print(results.table())


if __name__ == "__main__":
    main()
