"""``casetrail verify``: the log recomputed position by position against the links kept beside it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from casetrail.services.chain import Break, LoggedEvent, first_break
from casetrail.services.ports import ChainedLog

# Positions read at a time: memory stays bounded however long the log (a page is also cut by bytes).
PAGE = 5_000

Row = TypeVar("Row")


def verify_log(log: ChainedLog, on_checked: Callable[[int], None] = lambda _: None) -> tuple[int, Break | None]:
    """How many positions were found intact, and the first break if there is one."""

    def events() -> Iterator[LoggedEvent]:
        for page in _pages(log.logged_events, lambda event: event.position):
            yield from page
            on_checked(len(page))

    return first_break(events(), (row for page in _pages(log.chain_links, lambda kept: kept[0]) for row in page))


def _pages(read: Callable[[int, int], list[Row]], position: Callable[[Row], int]) -> Iterator[list[Row]]:
    after = 0
    while rows := read(after, PAGE):
        yield rows
        after = position(rows[-1])
