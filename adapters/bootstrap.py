"""The composition root: builds the running system from settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from casetrail.adapters.config_file import load_config
from casetrail.adapters.settings import Settings
from casetrail.adapters.storage.database import open_view_store, persistence_env
from casetrail.adapters.storage.view_stores import PostgresViewStore, SQLiteViewStore
from casetrail.domain.config import Config
from casetrail.projections.timeline import TIMELINE
from casetrail.services.case_desk import CaseDesk
from casetrail.services.case_queries import CaseQueries
from casetrail.services.detection import DetectorRunner
from casetrail.services.erasure import ErasureOutcome, PartyErasure
from casetrail.services.ingestion import Ingestion
from casetrail.services.report_queries import ReportQueries
from casetrail.services.report_view import report_view
from casetrail.services.view_runner import ViewRunner


@dataclass
class System:
    settings: Settings
    config: Config
    ingestion: Ingestion
    desk: CaseDesk
    view_store: SQLiteViewStore | PostgresViewStore
    views: list[ViewRunner]
    detectors: DetectorRunner
    cases: CaseQueries
    reports: ReportQueries

    def catch_up(self) -> int:
        """Bring every view up to the log, then the detectors; their cases need the views again."""
        applied = 0
        while True:
            applied += self.catch_up_views()
            if not self.detectors.catch_up():
                return applied

    def on_case(self, case: str, work: Callable[[str], None]) -> str:
        """Do a lead's work on a case named by id or ref, with views and detectors current before and after;
        returns its case_ref. The command line and the HTTP API both change cases through here."""
        self.catch_up()
        case_ref = self.cases.resolve(case)
        work(case_ref)
        self.catch_up()
        return case_ref

    def catch_up_views(self) -> int:
        return sum(runner.catch_up() for runner in self.views)

    def erase(self, party: str, by: str, reason: str, role: str = "admin") -> ErasureOutcome:
        """Erase a party's personal data (``services.erasure``), with the views current before and after:
        the command line and the HTTP API both erase through here."""
        self.catch_up()
        erasure = PartyErasure(env=persistence_env(self.settings.database_url), config=self.config)
        try:
            outcome = erasure.erase(self.view_store, party, by, reason, role)
        finally:
            erasure.close()
        self.catch_up()
        return outcome

    def close(self) -> None:
        self.view_store.close()
        self.desk.close()
        self.ingestion.close()


def bootstrap(settings: Settings) -> System:
    config = load_config(settings.config_path)
    ingestion = Ingestion(env=persistence_env(settings.database_url), config=config)
    desk = CaseDesk(env=persistence_env(settings.database_url), config=config)
    store = open_view_store(settings.database_url)
    timeline = ViewRunner(ingestion.recorder, store, TIMELINE)
    queries = CaseQueries(store, config.escalation_levels)
    reports = ViewRunner(ingestion.recorder, store, report_view(queries), behind=timeline)
    detectors = DetectorRunner(desk, store, timeline, config)
    return System(settings=settings, config=config, ingestion=ingestion, desk=desk, view_store=store,
                  views=[timeline, reports], detectors=detectors, cases=queries, reports=ReportQueries(store))
