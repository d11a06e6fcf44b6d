"""How far the read models are behind the log (services.tracking), from their tracked positions."""

from __future__ import annotations

import pytest

from casetrail.services.tracking import READ_MODELS, ViewsNotBuilt, lag


def rows(**positions: int) -> list[tuple[str, int, int]]:
    return [(f.name, positions.get(f.name, 0), f.version) for f in READ_MODELS]


def test_views_at_the_head_are_not_behind() -> None:
    assert lag(40, rows(timeline=40, reports=40, detectors=40)).behind == 0


def test_the_furthest_behind_says_how_far() -> None:
    found = lag(40, rows(timeline=40, reports=31, detectors=12))
    assert found.behind == 28
    assert found.positions == {"timeline": 40, "reports": 31, "detectors": 12}


def test_an_empty_log_with_its_views_is_not_behind() -> None:
    assert lag(0, rows()).behind == 0


@pytest.mark.parametrize("tracked", [None, []], ids=["no tracking table", "no rows"])
def test_views_never_built_are_named(tracked: list[tuple[str, int, int]] | None) -> None:
    with pytest.raises(ViewsNotBuilt, match=r"never built \(timeline, reports, detectors\); run `casetrail replay`"):
        lag(10, tracked)


def test_one_missing_view_is_named_alone() -> None:
    with pytest.raises(ViewsNotBuilt, match=r"never built \(detectors\)"):
        lag(10, [row for row in rows(timeline=10, reports=10) if row[0] != "detectors"])


def test_views_of_another_version_ask_for_a_replay() -> None:
    tracked = [(name, 10, version + 1 if name == "timeline" else version) for name, _, version in rows()]
    with pytest.raises(ViewsNotBuilt, match=r"another version of casetrail \(timeline\); run `casetrail replay`"):
        lag(10, tracked)
