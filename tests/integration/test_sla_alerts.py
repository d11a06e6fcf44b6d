"""The relay's alert when a service-level clock passes its warning share, on a real Kafka-protocol broker."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from casetrail.adapters.bootstrap import bootstrap
from casetrail.adapters.kafka.relay import Relay, RelayTopics
from casetrail.adapters.kafka.topics import KafkaSettings
from casetrail.adapters.settings import Settings
from tests.conftest import inputs
from tests.integration.conftest import read_all
from tests.test_sla import CONFIG, at, event


def test_a_clock_at_80_percent_of_its_target_sends_an_alert_before_it_breaches(
        kafka_bootstrap: str, names: str, sqlite_url: str, tmp_path: Path) -> None:
    config = tmp_path / "casetrail.toml"
    config.write_text(CONFIG.format(version=1, first_reply=60))
    system = bootstrap(Settings(database_url=sqlite_url, config_path=str(config)))
    topics = RelayTopics(events=f"events-{names}", cases=f"cases-{names}", alerts=f"alerts-{names}")
    relay = Relay(system, KafkaSettings(bootstrap=kafka_bootstrap), topics)
    try:
        # Opened Wednesday 09:00 local; at 09:50 the first reply's 60 minutes are 83% used.
        system.detectors.clocks.now = lambda: datetime(2024, 6, 12, 7, 50, tzinfo=UTC)
        system.ingestion.ingest(inputs([event("case.opened", "w1", at("12", "09:00"), case_ref="ZD-9",
                                              category="other", summary="card blocked", party_ref="member-9")]),
                                backfill=True)
        system.catch_up()
        relay.runner.catch_up()
        alerts = [json.loads(r[3]) for r in read_all(kafka_bootstrap, topics.alerts, idle_ms=1500)]
        assert [(a["reasons"], a["at"], a["sla"]["metric"], a["sla"]["elapsed_seconds"]) for a in alerts] == [
            (["sla_warning"], "2024-06-12T07:48:00Z", "first_reply", 48 * 60)]
        assert alerts[0]["case"]["case_ref"] == "ZD-9" and alerts[0]["department"] == "customer_service"
        assert alerts[0]["sla"] | {"policy": "standard", "policy_version": 1, "target_seconds": 3600} == alerts[0]["sla"]

        system.detectors.clocks.now = lambda: datetime(2024, 6, 12, 8, 1, tzinfo=UTC)  # the target passes
        system.catch_up()
        relay.runner.catch_up()
        alerts = [json.loads(r[3]) for r in read_all(kafka_bootstrap, topics.alerts, idle_ms=1500)]
        assert [a["reasons"] for a in alerts] == [["sla_warning"], ["sla_breached"]]
        # The case topic carries the factor the breach proposed, not the clocks' own milestones.
        changes = [json.loads(r[3])["change"] for r in read_all(kafka_bootstrap, topics.cases, idle_ms=1500)]
        assert changes == ["case.opened", "case.factor_proposed"]
    finally:
        relay.close()
        system.close()
