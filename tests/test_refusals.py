"""What is not allowed is refused before anything is recorded: the log is immutable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from casetrail.adapters.bootstrap import System
from casetrail.domain.errors import DomainError
from tests.conftest import SCENARIOS, inputs, lines_of, load
from tests.test_cli import casetrail


def _stored_events(system: System) -> int:
    return system.ingestion.recorder.max_notification_id() or 0


def test_the_desk_refuses_a_level_the_configuration_does_not_list(system: System) -> None:
    load(system, lines_of("01-overbooking-after-stop-sell.jsonl"))
    case_ref = system.cases.list_cases()[0]["case_ref"]
    before = _stored_events(system)
    with pytest.raises(DomainError, match=r"'bogus' is not a configured escalation level \(supervisor, manager, executive\)"):
        system.desk.change(case_ref, "escalated", "lead-7", level="bogus")
    assert _stored_events(system) == before
    system.desk.change(case_ref, "escalated", "lead-7", level="manager")
    assert _stored_events(system) == before + 1


def test_escalate_to_an_unknown_level_is_a_usage_error_and_records_nothing(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path}/casetrail.db"
    assert casetrail("--database", database, "ingest", "--backfill",
                     str(SCENARIOS / "01-overbooking-after-stop-sell.jsonl")).returncode == 0
    case_ref = json.loads(casetrail("--database", database, "cases", "--json").stdout)[0]["case_ref"]
    before = casetrail("--database", database, "case", case_ref, "--json").stdout

    refused = casetrail("--database", database, "escalate", case_ref, "--level", "bogus", "--by", "lead-7")
    assert refused.returncode == 2, refused.stderr
    assert "argument --level: 'bogus' is not a configured escalation level (supervisor, manager, executive)" in (
        refused.stderr)
    assert "Traceback" not in refused.stderr
    assert casetrail("--database", database, "case", case_ref, "--json").stdout == before

    config = tmp_path / "casetrail.toml"
    config.write_text('escalation_levels = ["duty_manager", "general_manager"]\n')
    accepted = casetrail("--database", database, "--config", str(config), "escalate", case_ref,
                         "--level", "duty_manager", "--by", "lead-7")
    assert accepted.returncode == 0, accepted.stderr
    timeline = json.loads(casetrail("--database", database, "case", case_ref, "--json").stdout)["timeline"]
    assert [e["summary"] for e in timeline if e["type"] == "case.escalated"] == [
        f"case {case_ref} escalated to duty_manager"]


def test_cases_with_an_unknown_status_is_a_usage_error(tmp_path: Path) -> None:
    result = casetrail("--database", f"sqlite:///{tmp_path}/casetrail.db", "cases", "--status", "foo")
    assert result.returncode == 2
    assert "invalid choice: 'foo' (choose from 'open', 'resolved', 'closed')" in result.stderr
    assert not (tmp_path / "casetrail.db").exists()


def test_an_inbound_case_escalation_to_an_unknown_level_is_rejected_like_an_unknown_category(
        system: System) -> None:
    def escalated(id_: str, level: str) -> bytes:
        return json.dumps({"specversion": "1.0", "id": id_, "source": "helpdesk:zendesk", "type": "case.escalated",
                           "time": "2024-06-03T10:00:00Z", "data": {"case_ref": "ZD-1", "level": level}}).encode()

    counts = system.ingestion.ingest(inputs([escalated("e-1", "bogus"), escalated("e-2", "manager")]))
    assert (counts.accepted, counts.rejected) == (1, 1)
    [reject] = system.ingestion.ledger.rejected_inputs()
    assert reject.reason == ("data.level: 'bogus' is not a configured escalation level "
                             "(supervisor, manager, executive)")
