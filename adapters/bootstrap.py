"""The composition root: builds the running system from settings."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.config_file import load_config
from adapters.database import open_view_store, persistence_env
from adapters.settings import Settings
from adapters.view_stores import PostgresViewStore, SQLiteViewStore
from domain.config import Config
from projections.timeline import TIMELINE
from services.case_queries import CaseQueries
from services.ingestion import Ingestion
from services.view_runner import ViewRunner


@dataclass
class System:
    config: Config
    ingestion: Ingestion
    view_store: SQLiteViewStore | PostgresViewStore
    views: list[ViewRunner]
    cases: CaseQueries

    def catch_up(self) -> int:
        return sum(runner.catch_up() for runner in self.views)

    def close(self) -> None:
        self.view_store.close()
        self.ingestion.close()


def bootstrap(settings: Settings) -> System:
    config = load_config(settings.config_path)
    ingestion = Ingestion(env=persistence_env(settings.database_url), config=config)
    store = open_view_store(settings.database_url)
    views = [ViewRunner(ingestion.recorder, store, TIMELINE)]
    return System(config=config, ingestion=ingestion, view_store=store, views=views, cases=CaseQueries(store))
