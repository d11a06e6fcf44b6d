"""Reads never write: the query commands answer from the views as the writers left them.

A read leaves the store as it found it (its bytes, its rows, the views' tracked positions); a
store whose views are behind its log is answered as it stands with one warning line, or after
waiting for a follower with ``--wait``; a store whose views were never built says to replay it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from casetrail.adapters.processes.view_follower import ViewFollower
from casetrail.adapters.reading import open_reader
from casetrail.adapters.settings import Settings
from casetrail.adapters.storage.database import store_env
from casetrail.services.ingestion import Ingestion
from tests.conftest import SCENARIOS, inputs, lines_of
from tests.test_cli import casetrail

ROOT = Path(__file__).resolve().parent.parent
FIRST, SECOND = "01-overbooking-after-stop-sell.jsonl", "04-twenty-contacts-nine-weeks.jsonl"
WARNING = "casetrail: warning: the views are {behind} events behind the log (at {at} of {head}); " \
          "the answer leaves those out (--wait SECONDS waits for them)"


def run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return casetrail("--database", url, *args)


def reads(case_ref: str) -> list[list[str]]:
    """Every read command, in each of its forms."""
    return [["cases"], ["cases", "--json"], ["cases", "--status", "open", "--json"], ["case", case_ref],
            ["case", case_ref, "--json"], ["case", case_ref, "--as-of", "2019-06-21T00:00:00Z", "--json"],
            *(["report", name, *form] for name in ("weekly", "monthly", "top-issues", "outstanding", "departments")
              for form in ([], ["--json"], ["--csv"])),
            ["rejects"], ["rejects", "--json"]]


def snapshot(url: str) -> dict[str, Any]:
    """What a write would change: every table's rows (and a SQLite file's bytes), the log's head, the positions."""
    reader = open_reader(Settings(database_url=url))
    try:
        state: dict[str, Any] = {table: sorted(map(repr, reader.store.query(f"SELECT * FROM {table}")))
                                 for table in sorted(reader.store.tables())}
        state["head"] = reader.store.log_head()
    finally:
        reader.close()
    env = store_env(url)
    if env["PERSISTENCE_MODULE"] == "eventsourcing.sqlite":
        state["file"] = Path(env["SQLITE_DBNAME"]).read_bytes()
    return state


def test_a_read_leaves_the_store_as_it_found_it(database_url: str) -> None:
    ingested = run(database_url, "ingest", "--backfill", str(SCENARIOS / FIRST), str(SCENARIOS / SECOND))
    assert ingested.returncode == 0, ingested.stderr
    case_ref = json.loads(run(database_url, "cases", "--json").stdout)[0]["case_ref"]
    before = snapshot(database_url)
    for args in reads(case_ref):
        answered = run(database_url, *args)
        assert answered.returncode == 0 and answered.stderr == "", (args, answered.stderr)
    assert snapshot(database_url) == before


def test_the_reader_cannot_write(database_url: str) -> None:
    assert run(database_url, "ingest", "--backfill", str(SCENARIOS / FIRST)).returncode == 0
    reader = open_reader(Settings(database_url=database_url))
    try:
        with pytest.raises(Exception, match="read-only|readonly"):
            reader.store.query("UPDATE casetrail_tracking SET position = 0")
    finally:
        reader.close()
    assert all(position > 0 for _, position, _ in _tracking(database_url))


def test_a_store_behind_its_log_is_answered_as_it_stands_with_one_warning(database_url: str) -> None:
    assert run(database_url, "ingest", "--backfill", str(SCENARIOS / FIRST)).returncode == 0
    current = json.loads(run(database_url, "cases", "--json").stdout)
    behind = store_behind_again(database_url)
    tracked = _tracking(database_url)
    answered = run(database_url, "cases", "--json")
    assert answered.returncode == 0
    assert json.loads(answered.stdout) == current
    at = min(position for _, position, _ in tracked)
    assert answered.stderr.splitlines() == [WARNING.format(behind=behind, at=at, head=at + behind)]
    assert _tracking(database_url) == tracked, "the read caught nothing up"


def store_behind_again(url: str) -> int:
    """The second scenario stored by the log alone, on a store already current with the first."""
    from casetrail.adapters.storage.database import persistence_env
    from casetrail.domain.config import Config

    log_only = Ingestion(env=persistence_env(url), config=Config())
    try:
        assert log_only.ingest(inputs(lines_of(SECOND)), backfill=True).rejected == 0
    finally:
        log_only.close()
    reader = open_reader(Settings(database_url=url))
    try:
        return reader.lag().behind
    finally:
        reader.close()


def test_wait_answers_once_a_follower_has_caught_up(database_url: str) -> None:
    assert run(database_url, "ingest", "--backfill", str(SCENARIOS / FIRST)).returncode == 0
    first = {c["case_ref"] for c in json.loads(run(database_url, "cases", "--json").stdout)}
    store_behind_again(database_url)
    waiting = subprocess.Popen([sys.executable, "-m", "casetrail", "--database", database_url, "cases", "--json",
                                "--wait", "120"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started = time.monotonic()
    time.sleep(3)  # the read is up and polling; only then do the views move
    assert waiting.poll() is None, "the read answered without waiting"
    follower = ViewFollower(Settings(database_url=database_url))
    follower.start()
    try:
        out, err = waiting.communicate(timeout=150)
    finally:
        follower.stop()
    assert waiting.returncode == 0 and err == "", err
    assert time.monotonic() - started >= 3
    found = {c["case_ref"] for c in json.loads(out)}
    assert first < found, "the answer has the cases of the events the follower applied"


def test_wait_gives_up_after_its_seconds_and_warns(sqlite_url: str) -> None:
    assert run(sqlite_url, "ingest", "--backfill", str(SCENARIOS / FIRST)).returncode == 0
    behind = store_behind_again(sqlite_url)
    answered = run(sqlite_url, "cases", "--wait", "0.5")
    assert answered.returncode == 0
    assert len(answered.stderr.splitlines()) == 1 and f"{behind} events behind" in answered.stderr


@pytest.mark.parametrize("value", ["soon", "-1", "nan", "3601"])
def test_wait_takes_a_number_of_seconds(sqlite_url: str, value: str) -> None:
    refused = run(sqlite_url, "cases", "--wait", value)
    assert refused.returncode == 2 and "--wait" in refused.stderr


def test_a_store_whose_views_were_never_built_says_to_replay(database_url: str) -> None:
    from casetrail.adapters.storage.database import persistence_env
    from casetrail.domain.config import Config

    log_only = Ingestion(env=persistence_env(database_url), config=Config())
    try:
        assert log_only.ingest(inputs(lines_of(FIRST)), backfill=True).rejected == 0
    finally:
        log_only.close()
    for args in (["cases"], ["case", "OVB-1"], ["report", "weekly", "--json"]):
        refused = run(database_url, *args)
        assert refused.returncode == 1 and refused.stdout == ""
        assert refused.stderr.splitlines() == [
            "casetrail: views: this store's read models were never built (timeline, reports, detectors); "
            "run `casetrail replay` to build them from the log"]
    replayed = run(database_url, "replay", "--json")
    assert replayed.returncode == 0, replayed.stderr
    # The replay ran the detectors too: the overbooking case is there, and nothing is behind.
    listed = run(database_url, "cases", "--json")
    assert listed.stderr == "" and [c["category"] for c in json.loads(listed.stdout)] == ["overbooking"]


def test_a_read_imports_no_library_it_does_not_use(sqlite_url: str) -> None:
    assert run(sqlite_url, "ingest", "--backfill", str(SCENARIOS / FIRST)).returncode == 0
    case_ref = json.loads(run(sqlite_url, "cases", "--json").stdout)[0]["case_ref"]
    probe = ("import sys\nfrom casetrail.adapters.cli.main import main\n"
             f"assert main(['--database', {sqlite_url!r}, 'case', {case_ref!r}, '--json']) == 0\n"
             "print(' '.join(sorted(m for m in sys.modules)), file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    loaded = set(done.stderr.split())
    heavy = {"kafka", "psycopg", "pydantic", "structlog", "rich", "eventsourcing.application",
             "eventsourcing.persistence", "casetrail.services.inbound", "casetrail.adapters.bootstrap"}
    assert heavy & loaded == set()


def _tracking(url: str) -> list[tuple[Any, ...]]:
    reader = open_reader(Settings(database_url=url))
    try:
        return sorted(reader.store.query("SELECT view, position, version FROM casetrail_tracking"))
    finally:
        reader.close()


def test_the_writers_leave_the_views_and_detectors_current(database_url: str) -> None:
    def current() -> bool:
        reader = open_reader(Settings(database_url=database_url))
        try:
            lag = reader.lag()
        finally:
            reader.close()
        return lag.behind == 0 and lag.head > 0

    slice_of_data_set = ROOT / "tests" / "data" / "hotel_bookings_slice.csv.gz"
    imported = run(database_url, "import", "hotel-bookings", str(slice_of_data_set), "--rows", "300")
    assert imported.returncode == 0, imported.stderr
    assert current(), "import"
    assert run(database_url, "ingest", "--backfill", str(SCENARIOS / FIRST)).returncode == 0
    assert current(), "ingest"
    case_ref = json.loads(run(database_url, "cases", "--category", "overbooking", "--json").stdout)[0]["case_ref"]
    assert run(database_url, "resolve", case_ref, "--resolution", "relocated", "--by", "lead-7").returncode == 0
    assert current(), "a lead's decision"


def test_each_command_is_listed_with_the_module_that_declares_it() -> None:
    import argparse
    import importlib

    from casetrail.adapters.cli import main

    for module_name, commands in main.COMMAND_MODULES.items():
        module = importlib.import_module(f"casetrail.adapters.{module_name}")
        parser = main._parser([module])
        declared = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
        assert tuple(declared) == commands, module_name
        for name in commands:  # each declares what it may do to its store
            assert "store" in {key for key in declared[name]._defaults} | _leaf_defaults(declared[name]), name


def _leaf_defaults(parser: Any) -> set[str]:
    import argparse

    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return {key for sub in subs for leaf in sub.choices.values() for key in leaf._defaults}
