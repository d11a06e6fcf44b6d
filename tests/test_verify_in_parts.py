"""``verify`` in two parts at once, the second walked by a process of its own, on real stores: every
kind of tampering, on either side of the cut or at it, gets the same verdict as the walk in one
process, and a checkpoint's Merkle root is joined from the two parts' trees whatever its size."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from casetrail.adapters.bootstrap import System, bootstrap
from casetrail.adapters.processes.part_walker import PartWalkerFailed, ProcessPartWalker
from casetrail.adapters.settings import Settings
from casetrail.services.chain import Break, canonical_bytes
from casetrail.services.checkpoints import Checkpoint
from casetrail.services.merkle import MerkleRoot
from casetrail.services.verification import logged_events, verify_log
from tests.conftest import all_scenario_lines, load
from tests.test_log_chain import count_rows, execute, swap_rows


@pytest.fixture
def ingested(system: System, database_url: str) -> str:
    """A store of the five samples, with the detectors' case events."""
    load(system, all_scenario_lines())
    return database_url


def verdicts(url: str, checkpoint: Checkpoint | None = None) -> tuple[tuple[int, Break | None],
                                                                      tuple[int, Break | None]]:
    """The verdict of the walk in one process, and of the walk in two parts (cut at the log's middle)."""
    system = bootstrap(Settings(database_url=url))
    try:
        log = system.ingestion.chained_log
        whole = verify_log(log, checkpoint=checkpoint)
        told: list[int] = []
        in_parts = verify_log(log, told.append, checkpoint, ProcessPartWalker(Settings(database_url=url)),
                              split_from=1)
    finally:
        system.close()
    if in_parts[1] is None:
        assert sum(told) == in_parts[0]  # one progress bar over both parts
    return whole, in_parts


def prefix_checkpoint(url: str, size: int) -> Checkpoint:
    """The checkpoint of the log's first ``size`` events, as a checkpoint made then would hold."""
    system = bootstrap(Settings(database_url=url))
    try:
        tree = MerkleRoot()
        for event in logged_events(system.ingestion.chained_log):
            if tree.size < size:
                tree.append(canonical_bytes(event))
    finally:
        system.close()
    return Checkpoint("casetrail.test", size, tree.root())


def change_a_byte(url: str, position: int) -> None:
    execute(url, f"UPDATE stored_events SET state = CAST('[' || substr(CAST(state AS TEXT), 2) AS BLOB) "
                 f"WHERE notification_id = {position}" if url.startswith("sqlite") else
                 f"UPDATE stored_events SET state = overlay(state placing '\\x5b'::bytea from 1 for 1) "
                 f"WHERE notification_id = {position}")


def test_an_intact_log_is_intact_in_two_parts(ingested: str) -> None:
    whole, in_parts = verdicts(ingested)
    assert whole == in_parts == (count_rows(ingested), None)


# Where, relative to the cut at the log's middle, and what: each is done to a fresh store.
TAMPERING: dict[str, Callable[[str, int], None]] = {
    "one byte changed before the cut": lambda url, middle: change_a_byte(url, middle // 3),
    "one byte changed at the cut": lambda url, middle: change_a_byte(url, middle),
    "one byte changed just after the cut": lambda url, middle: change_a_byte(url, middle + 1),
    "one byte changed after the cut": lambda url, middle: change_a_byte(url, middle + middle // 2),
    "the last event's byte changed": lambda url, middle: change_a_byte(url, 2 * middle),
    "the row at the cut deleted": lambda url, middle: execute(url, f"DELETE FROM stored_events "
                                                                   f"WHERE notification_id = {middle}"),
    "the row after the cut deleted": lambda url, middle: execute(url, f"DELETE FROM stored_events "
                                                                      f"WHERE notification_id = {middle + 1}"),
    "the last row deleted": lambda url, middle: execute(url, f"DELETE FROM stored_events "
                                                             f"WHERE notification_id >= {2 * middle}"),
    "the rows either side of the cut swapped": lambda url, middle: swap_rows(url, middle, middle + 1),
    "the link after the cut deleted": lambda url, middle: execute(url, f"DELETE FROM casetrail_chain "
                                                                       f"WHERE position = {middle + 1}"),
    "a row added at the end": lambda url, middle: execute(
        url, "INSERT INTO stored_events (originator_id, originator_version, topic, state) SELECT originator_id, "
             "originator_version + 1000, topic, state FROM stored_events WHERE notification_id = 3"),
}


@pytest.mark.parametrize("tampering", TAMPERING, ids=str)
def test_tampering_gets_the_verdict_of_the_walk_in_one_process(ingested: str, tampering: str) -> None:
    rows = count_rows(ingested)
    TAMPERING[tampering](ingested, rows // 2)
    whole, in_parts = verdicts(ingested)
    assert whole[1] is not None, "the tampering must break the log"
    assert in_parts == whole


@pytest.mark.parametrize("share", [0.25, 0.5, 0.5001, 0.8, 1.0])
def test_a_checkpoint_is_checked_against_the_root_joined_from_both_parts(ingested: str, share: float) -> None:
    size = max(1, int(count_rows(ingested) * share))
    checkpoint = prefix_checkpoint(ingested, size)
    whole, in_parts = verdicts(ingested, checkpoint)
    assert whole == in_parts == (count_rows(ingested), None)


def test_a_consistent_rewrite_after_the_cut_is_caught_in_two_parts_with_a_checkpoint(ingested: str) -> None:
    rows = count_rows(ingested)
    checkpoint = prefix_checkpoint(ingested, rows)
    change_a_byte(ingested, rows - 5)
    execute(ingested, f"DELETE FROM casetrail_chain WHERE position >= {rows - 5}")
    system = bootstrap(Settings(database_url=ingested))
    system.ingestion.chained_log.chain_up()
    system.close()
    whole, in_parts = verdicts(ingested, checkpoint)
    assert whole[1] is not None and "not those the checkpoint signed" in whole[1].problem
    assert in_parts == whole
    assert verdicts(ingested)[1] == (rows, None)  # the chain alone cannot tell


def test_a_checkpoint_longer_than_the_log_is_caught_in_two_parts(ingested: str) -> None:
    rows = count_rows(ingested)
    checkpoint = prefix_checkpoint(ingested, rows)
    execute(ingested, f"DELETE FROM stored_events WHERE notification_id >= {rows - 2}")
    execute(ingested, f"DELETE FROM casetrail_chain WHERE position >= {rows - 2}")
    whole, in_parts = verdicts(ingested, checkpoint)
    assert whole[1] is not None and "fewer than" in whole[1].problem
    assert in_parts == whole


def test_a_helper_that_cannot_open_its_store_is_named_not_a_traceback(ingested: str, tmp_path: Path) -> None:
    system = bootstrap(Settings(database_url=ingested))
    try:
        walker = ProcessPartWalker(Settings(database_url=f"sqlite:///{tmp_path}"))  # a folder, not a database
        with pytest.raises(PartWalkerFailed, match="verify's helper process failed: database: "):
            verify_log(system.ingestion.chained_log, walker=walker, split_from=1)
    finally:
        system.close()
