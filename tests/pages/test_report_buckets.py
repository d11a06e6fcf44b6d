"""Every figure of every report links to a list that counts exactly the figure: the link's bucket,
read back as the case list reads it, holds as many things as the report says."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import pytest

from casetrail.adapters.bootstrap import System
from casetrail.adapters.http.pages import drill_down
from casetrail.adapters.http.pages.charts import Figure
from casetrail.adapters.http.pages.report_pages import report_context
from casetrail.projections.report_buckets import counted
from casetrail.services.report_queries import NAMES
from tests.conftest import SCENARIOS, lines_of, load


def figures(value: Any) -> list[Figure]:
    if isinstance(value, Figure):
        return [value]
    if isinstance(value, dict):
        return [f for v in value.values() for f in figures(v)]
    if isinstance(value, list | tuple):
        return [f for v in value for f in figures(v)]
    return []


@pytest.mark.parametrize("period", [(None, None, "UTC"), (date(2024, 6, 1), date(2024, 6, 30), "Asia/Jakarta")])
def test_each_figure_lists_as_many_as_it_counts(system: System, period: tuple[date | None, date | None, str]) -> None:
    for name in sorted(p.name for p in SCENARIOS.glob("*.jsonl")):
        load(system, lines_of(name))
    first, last, zone = period
    cases, factors = system.reports.cases(), system.reports.factors()
    checked = 0
    for report in NAMES:
        document = system.reports.report(report, first, last, ZoneInfo(zone))
        context = report_context(document, linked=True, all_periods=first is not None, asked={})
        for figure in figures(context.get("rows", [])) + figures(context.get("grid", [])):
            assert figure.link is not None
            bucket = drill_down.parse(dict(parse_qsl(urlsplit(figure.link).query)))
            assert bucket is not None
            assert len(counted(bucket, cases, factors)) == figure.value, (report, figure.link)
            checked += figure.value > 0
    assert checked > 40
