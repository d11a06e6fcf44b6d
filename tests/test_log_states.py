"""Reading the log's states by position, as the detectors and the relay do, gives what the library's notifications hold."""

from __future__ import annotations

from benchmarks.ingest_memory import line_at_the_limit
from casetrail.adapters.bootstrap import System
from casetrail.services.limits import MAX_PAGE_BYTES
from tests.conftest import all_scenario_lines, inputs, load


def test_states_between_two_positions_are_the_notifications_of_those_positions(system: System) -> None:
    load(system, all_scenario_lines())
    recorder, ledger = system.ingestion.recorder, system.ingestion.ledger
    last = recorder.max_notification_id() or 0
    notifications = recorder.select_notifications(start=10, limit=last, stop=last - 5, inclusive_of_start=False)
    expected = [(n.id, n.topic, bytes(n.state)) for n in notifications]

    assert ledger.select_states(10, last - 5, last) == expected
    assert ledger.select_states(10, last - 5, 7) == expected[:7]
    assert ledger.select_states(last, last + 100, 10) == []
    # With their streams, for the readers that publish them.
    assert ledger.select_log_events(10, last - 5, last) == [
        (n.id, n.topic, bytes(n.state), n.originator_id, n.originator_version) for n in notifications]
    assert ledger.select_log_events(10, last - 5, 7) == ledger.select_log_events(10, last - 5, last)[:7]


def test_a_page_of_states_ends_where_its_bytes_pass_the_page_limit(system: System) -> None:
    """However many events a reader asks for, a page holds about MAX_PAGE_BYTES of states, and at least one."""
    large = [line_at_the_limit(n) for n in range(40)]  # events just under 1 MiB each
    assert system.ingestion.ingest(inputs(large)).accepted == 40
    ledger = system.ingestion.ledger
    first = ledger.select_states(0, 1000, 1000)
    held = sum(len(state) for _, _, state in first)
    assert len(first) < 40 and held - len(first[-1][2]) < MAX_PAGE_BYTES <= held + len(first[-1][2])
    assert [p for p, _, _ in first] == list(range(1, len(first) + 1))
    [single] = ledger.select_states(len(first), 1000, 1)
    assert single[0] == len(first) + 1
    rest = ledger.select_states(len(first), 1000, 1000)
    assert rest[0][0] == len(first) + 1
