"""``casetrail verify``: the log recomputed position by position against the links kept beside it,
and, given a signed checkpoint, against the Merkle root the checkpoint signed."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import TypeVar

from casetrail.services.chain import GENESIS, Break, LinkedRow, LoggedEvent, canonical_bytes, first_break
from casetrail.services.checkpoints import Checkpoint
from casetrail.services.merkle import MerkleRoot
from casetrail.services.ports import ChainedLog, PartWalker

# Positions read at a time: memory stays bounded however long the log (a page is also cut by bytes).
PAGE = 5_000

# Logs from this many positions on are walked in two parts at once, the second by a ``PartWalker``
# (another process): below it, starting one costs more than it saves.
SPLIT_FROM = 200_000

# How often the walk of the first part, once done, looks at the second's progress.
WAIT_S = 0.1

Row = TypeVar("Row")


@dataclasses.dataclass(frozen=True)
class Part:
    """The positions after ``after`` up to ``upto`` (to the log's end if None), walked from the link kept
    at the last event at or before ``after``; ``tree_size`` leaves of the log go into the checkpoint's tree."""

    after: int
    upto: int | None
    tree_size: int


@dataclasses.dataclass(frozen=True)
class Walked:
    """A part walked: how many positions agreed, its first break, and its leaves' Merkle tree
    (those of the checkpoint's first ``tree_size``), up to position ``covered``."""

    checked: int
    broken: Break | None
    tree: MerkleRoot
    covered: int


def verify_log(log: ChainedLog, on_checked: Callable[[int], None] = lambda _: None,
               checkpoint: Checkpoint | None = None, walker: PartWalker | None = None,
               split_from: int = SPLIT_FROM) -> tuple[int, Break | None]:
    """How many positions were found intact, and the first break if there is one.

    A position's link depends only on the event and the link kept before it, so the two halves of
    a long log are walked at once, the second by ``walker``, and the first break is the first
    half's if it has one."""
    tree_size = checkpoint.size if checkpoint is not None else 0
    head = log.max_notification_id() or 0
    if walker is None or head < split_from:
        return _outcome(walk_part(log, Part(0, None, tree_size), on_checked), None, checkpoint)
    middle = head // 2
    walker.start(Part(middle, None, tree_size))
    told = [0]

    def both(count: int) -> None:
        now = walker.checked()
        on_checked(count + now - told[0])
        told[0] = now

    try:
        first = walk_part(log, Part(0, middle, tree_size), both)
        if first.broken is not None:
            return _outcome(first, None, checkpoint)
        while (second := walker.result(WAIT_S)) is None:
            both(0)
        both(0)
    finally:
        walker.stop()
    return _outcome(first, second, checkpoint)


def walk_part(log: ChainedLog, part: Part, on_checked: Callable[[int], None] = lambda _: None) -> Walked:
    """Walk one part of the log against its kept links (``on_checked`` is told of each page)."""
    leaves_before, last, previous = (0, 0, GENESIS) if part.after == 0 else _start_of(log, part.after)
    tree, covered = MerkleRoot(start=leaves_before), [0]

    def leaf(position: int, data: bytes) -> None:
        if leaves_before + tree.size < part.tree_size:
            tree.append(data)
            covered[0] = position

    rows = log.linked_rows(last, part.upto)
    try:
        checked, broken = first_break(_counted(rows, on_checked), log.link_after,
                                      leaf if part.tree_size > leaves_before else None, previous, last,
                                      to_the_end=part.upto is None)
    finally:
        rows.close()
    return Walked(checked, broken, tree, covered[0])


def _start_of(log: ChainedLog, after: int) -> tuple[int, int, bytes]:
    """How many events lie at or before ``after``, the last one's position and its kept link. Without
    a link there, the part before breaks at that event, and this part's walk is not asked for."""
    count, last, kept = log.events_up_to(after)
    return count, last, kept or GENESIS


def _outcome(first: Walked, second: Walked | None, checkpoint: Checkpoint | None) -> tuple[int, Break | None]:
    """The verdict on the whole log from its parts' walks, the second's taken only after an intact first."""
    checked, broken, tree, covered = first.checked, first.broken, first.tree, first.covered
    if second is not None:
        checked, broken, covered = checked + second.checked, second.broken, second.covered or covered
        if second.tree.size:  # the checkpoint reaches past the first part
            tree.extend(second.tree)
    if broken is not None or checkpoint is None:
        return checked, broken
    if tree.size < checkpoint.size:
        return checked, Break(covered + 1, f"the log holds {tree.size} events, fewer than the {checkpoint.size} "
                                           "of the checkpoint: events were removed since it was signed")
    if tree.root() != checkpoint.root:
        return checked, Break(covered, f"the log's first {checkpoint.size} events are not those the checkpoint "
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
