"""``casetrail verify``: the log recomputed position by position against the links kept beside it,
and, given a signed checkpoint, against the Merkle root the checkpoint signed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from casetrail.services.chain import Break, LinkedRow, LoggedEvent, canonical_bytes, first_break
from casetrail.services.checkpoints import Checkpoint
from casetrail.services.merkle import MerkleRoot
from casetrail.services.ports import ChainedLog

# Positions read at a time: memory stays bounded however long the log (a page is also cut by bytes).
PAGE = 5_000

Row = TypeVar("Row")


def verify_log(log: ChainedLog, on_checked: Callable[[int], None] = lambda _: None,
               checkpoint: Checkpoint | None = None) -> tuple[int, Break | None]:
    """How many positions were found intact, and the first break if there is one."""
    tree, covered = MerkleRoot(), [0]  # the last position the checkpoint's tree holds

    def leaf(position: int, data: bytes) -> None:
        if checkpoint is not None and tree.size < checkpoint.size:
            tree.append(data)
            covered[0] = position

    rows = log.linked_rows(0)
    try:
        checked, broken = first_break(_counted(rows, on_checked), log.link_after,
                                      leaf if checkpoint is not None else None)
    finally:
        rows.close()
    if broken is not None or checkpoint is None:
        return checked, broken
    last_covered = covered[0]
    if tree.size < checkpoint.size:
        return checked, Break(last_covered + 1, f"the log holds {tree.size} events, fewer than the {checkpoint.size} "
                                                "of the checkpoint: events were removed since it was signed")
    if tree.root() != checkpoint.root:
        return checked, Break(last_covered, f"the log's first {checkpoint.size} events are not those the checkpoint "
                                            "signed (their Merkle root differs): the log was rewritten, with its "
                                            "chain, at or before this position since the checkpoint")
    return checked, None


def _counted(rows: Iterator[LinkedRow], on_checked: Callable[[int], None]) -> Iterator[LinkedRow]:
    """``rows``, telling ``on_checked`` of each ``PAGE`` of them (for a progress bar)."""
    count = 0
    for row in rows:
        yield row
        count += 1
        if count == PAGE:
            on_checked(count)
            count = 0
    on_checked(count)


def log_checkpoint(log: ChainedLog, origin: str, on_read: Callable[[int], None] = lambda _: None) -> Checkpoint:
    """The checkpoint of the whole log as it is: its size and Merkle root."""
    tree = MerkleRoot()
    for event in logged_events(log, on_read):
        tree.append(canonical_bytes(event))
    return Checkpoint(origin, tree.size, tree.root())


def logged_events(log: ChainedLog, on_read: Callable[[int], None] = lambda _: None) -> Iterator[LoggedEvent]:
    """The whole log in position order, read a page at a time."""
    for page in _pages(log.logged_events, lambda event: event.position):
        yield from page
        on_read(len(page))


def _pages(read: Callable[[int, int], list[Row]], position: Callable[[Row], int]) -> Iterator[list[Row]]:
    after = 0
    while rows := read(after, PAGE):
        yield rows
        after = position(rows[-1])
