"""``verify`` of a store (as the command runs it, with its helper process), or a raw read of the same
log, in a process of its own (its peak memory is its own), or verify's stages timed one by one;
prints one JSON line with the figures.

    python -m benchmarks.chain_worker URL verify|raw|stages [--profile FILE]
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import resource
import time
from collections.abc import Callable
from itertools import islice
from typing import Any

from psycopg.rows import tuple_row
from psycopg.sql import SQL

from benchmarks.rebuild_worker import peak_resident_mb
from casetrail.adapters.bootstrap import bootstrap
from casetrail.adapters.processes.part_walker import ProcessPartWalker
from casetrail.adapters.settings import Settings
from casetrail.adapters.storage.postgres_store import PostgresLedgerRecorder
from casetrail.adapters.storage.sqlite_store import SQLiteLedgerRecorder
from casetrail.services.chain import GENESIS, canonical
from casetrail.services.verification import PAGE, verify_log


def verify(recorder: Any, settings: Settings) -> int:
    """``verify_log`` as ``casetrail verify`` runs it: a long log in two parts, the second in a helper process."""
    checked, broken = verify_log(recorder, walker=ProcessPartWalker(settings))
    if broken is not None:
        raise RuntimeError(f"the benchmark's log does not verify: {broken}")
    return checked


def raw_read(recorder: Any) -> int:
    """Every row's position, stream id, version, topic and state, ``PAGE`` rows a query as ``verify``
    reads them, as the driver returns them: no objects made, nothing hashed."""
    read = _raw_page(recorder)
    after = rows = 0
    while page := read(after):
        rows += len(page)
        after = page[-1][0]
    return rows


def _raw_page(recorder: Any) -> Callable[[int], list[tuple[Any, ...]]]:
    if isinstance(recorder, SQLiteLedgerRecorder):
        statement = (f"SELECT rowid, originator_id, originator_version, topic, state FROM "
                     f"{recorder.events_table_name} WHERE rowid > ? ORDER BY rowid LIMIT ?")

        def sqlite_page(after: int) -> list[tuple[Any, ...]]:
            with recorder.datastore.transaction(commit=False) as c:
                c.execute(statement, [after, PAGE])
                return list(c.fetchall())

        return sqlite_page
    assert isinstance(recorder, PostgresLedgerRecorder)
    query = SQL("SELECT notification_id, originator_id, originator_version, topic, state FROM {} "
                "WHERE notification_id > %s ORDER BY notification_id LIMIT %s").format(recorder.events_table)

    def postgres_page(after: int) -> list[tuple[Any, ...]]:
        with recorder.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(query, (after, PAGE))
            return curs.fetchall()

    return postgres_page


def stages(recorder: Any) -> tuple[int, dict[str, float]]:
    """CPU microseconds per event of each of verify's stages, each timed over whole pages: reading the
    events beside their links, the canonical bytes, hashing and the comparison with the kept links."""
    cpu, spent = time.process_time, dict.fromkeys(STAGES, 0.0)
    previous, events, rows = GENESIS, 0, recorder.linked_rows(0)
    while True:
        started = cpu()
        page = list(islice(rows, PAGE))
        read = cpu()
        if not page:
            break
        data = [canonical(*row[:5]) for row in page]
        made = cpu()
        links = []
        for bytes_ in data:
            previous = hashlib.sha256(previous + bytes_).digest()
            links.append(previous)
        hashed = cpu()
        if links != [row[5] for row in page]:
            raise RuntimeError(f"the benchmark's log does not verify after position {page[0][0] - 1}")
        compared = cpu()
        for stage, seconds in zip(STAGES, (read - started, made - read, hashed - made, compared - hashed),
                                  strict=True):
            spent[stage] += seconds
        events += len(page)
    return events, {stage: seconds / events * 1e6 for stage, seconds in spent.items()}


STAGES = ("reading events and links", "canonical bytes", "hashing", "comparison")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.chain_worker")
    parser.add_argument("url")
    parser.add_argument("mode", choices=("verify", "raw", "stages"))
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the run to FILE (pstats)")
    args = parser.parse_args()
    settings = Settings(database_url=args.url)
    system = bootstrap(settings)
    recorder = system.ingestion.recorder
    profile = cProfile.Profile() if args.profile else None
    started, cpu = time.perf_counter(), time.process_time()
    if profile is not None:
        profile.enable()
    if args.mode == "stages":
        events, figures = stages(recorder)
    elif args.mode == "verify":
        events, figures = verify(recorder, settings), {}
    else:
        events, figures = raw_read(recorder), {}
    if profile is not None:
        profile.disable()
        profile.dump_stats(args.profile)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    system.close()
    # verify's helper process, ended by now: its CPU and its peak count too (both ran at once).
    helper = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"events": events, "seconds": seconds, "cpu_seconds": cpu + helper.ru_utime + helper.ru_stime,
                      "peak_rss_mb": peak_resident_mb() + helper.ru_maxrss / 1024, "stages": figures}))


if __name__ == "__main__":
    main()
