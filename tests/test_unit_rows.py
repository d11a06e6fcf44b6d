"""The unit tier's premise, on the real stores: the rows ``tests/unit/rows.py`` makes without a
database are the rows the timeline index holds, and a night's facts the ones the detectors read."""

from __future__ import annotations

import dataclasses
import json

from casetrail.adapters.bootstrap import System
from casetrail.domain.config import Config
from casetrail.projections.case_report import Row
from casetrail.services import detection
from casetrail.services.case_queries import SELECT
from tests.conftest import all_scenario_lines, lines_of, load
from tests.unit.rows import Log, night_facts


def _unit_log(lines: list[bytes]) -> Log:
    log = Log()
    for line in lines:
        log.line(line)
    return log


def _without_recording_time(row: Row) -> Row:
    return dataclasses.replace(row, recorded_at="")  # when it was stored: the one column a replay changes


def test_the_unit_rows_are_the_rows_of_the_index(system: System) -> None:
    lines = all_scenario_lines()
    load(system, lines)
    indexed = [Row(*values) for values in system.view_store.query(f"{SELECT} WHERE source != 'casetrail' "
                                                                 "ORDER BY position", [])]
    made = _unit_log(lines).rows
    assert len(made) == len(indexed) == len(lines)
    assert [r.position for r in made] == sorted(r.position for r in made)
    # The same rows, in the same order of the log; the positions themselves are the log's to number.
    assert ([dataclasses.replace(_without_recording_time(r), position=0) for r in indexed]
            == [dataclasses.replace(_without_recording_time(r), position=0) for r in made])


def test_a_nights_facts_are_those_the_detectors_read(system: System) -> None:
    # The sample, and two later changes: T-5521 moves to the 22nd (a change of date naming no
    # resource) and S-103 is cancelled.
    changes = [("booking.modified", "mv-5521", {"booking_ref": "T-5521", "changes": {"date": "2019-06-22"}}),
               ("booking.cancelled", "x-103", {"booking_ref": "S-103"})]
    lines = lines_of("01-overbooking-after-stop-sell.jsonl") + [json.dumps({
        "specversion": "1.0", "id": event_id, "source": "pms:seaside", "type": kind,
        "time": "2019-06-21T12:00:00+07:00", "data": data}).encode() for kind, event_id, data in changes]
    load(system, lines)
    made = _unit_log(lines).rows
    nights = ["2019-06-19", "2019-06-20", "2019-06-21", "2019-06-22"]
    read = list(detection._runs_facts(system.cases, Config(), [("seaside:standard", nights)]))
    assert [_plain(night_facts(made, "seaside:standard", night)) for night in nights] == [_plain(f) for f in read]
    # Read with other runs in the same queries (another resource's, on the same nights), the same facts.
    together = list(detection._runs_facts(system.cases, Config(), [
        ("seaside:standard", nights[:2]), ("seaside:deluxe", nights), ("seaside:standard", nights[2:])]))
    assert [_plain(f) for f in together if f.resource == "seaside:standard"] == [_plain(f) for f in read]
    assert [f.night for f in together if f.resource == "seaside:deluxe"] == nights
    # 21 June's four rooms sold to four bookings (one a stay from the 20th), and B-8841 over them;
    # T-5521 held the 21st, then the 22nd
    assert [sorted(b.booking_ref for b in facts.bookings) for facts in read] == [
        [], ["B-8790"], ["B-8790", "B-8841", "S-103", "S-104", "T-5521"], ["T-5521"]]


def _plain(value: object) -> object:
    """Rows as (source, id, type) and histories as their steps, in a stable order."""
    if isinstance(value, Row):
        return (value.source, value.source_id, value.type)
    if isinstance(value, list):
        return sorted((_plain(v) for v in value), key=repr)
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return value
