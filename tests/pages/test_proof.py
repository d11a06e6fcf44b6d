"""The proof panel's chain status: verified again only when the log has grown."""

from __future__ import annotations

from casetrail.adapters.bootstrap import System
from casetrail.adapters.http.pages.proof import ChainCheck
from tests.conftest import lines_of, load


def test_the_chain_is_verified_once_per_size_of_the_log(system: System) -> None:
    lines = lines_of("01-overbooking-after-stop-sell.jsonl")
    load(system, lines[:6])
    check = ChainCheck()
    first = check.status(system)
    assert first.intact and first.checked == first.size > 0
    assert check.status(system) is first  # the log has not grown: the answer kept
    load(system, lines[6:])
    grown = check.status(system)
    assert grown is not first and grown.intact and grown.size > first.size
