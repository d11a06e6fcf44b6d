"""Reading the log's states by position, as the detectors do, gives what the library's notifications hold."""

from __future__ import annotations

from adapters.bootstrap import System
from tests.conftest import all_scenario_lines, load


def test_states_between_two_positions_are_the_notifications_of_those_positions(system: System) -> None:
    load(system, all_scenario_lines())
    recorder, ledger = system.ingestion.recorder, system.ingestion.ledger
    last = recorder.max_notification_id() or 0
    notifications = recorder.select_notifications(start=10, limit=last, stop=last - 5, inclusive_of_start=False)
    expected = [(n.id, n.topic, bytes(n.state)) for n in notifications]

    assert ledger.select_states(10, last - 5, last) == expected
    assert ledger.select_states(10, last - 5, 7) == expected[:7]
    assert ledger.select_states(last, last + 100, 10) == []
