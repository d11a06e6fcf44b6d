"""The composition root: builds the running system from settings."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.config_file import load_config
from adapters.database import persistence_env
from adapters.settings import Settings
from domain.config import Config
from services.ingestion import Ingestion


@dataclass
class System:
    config: Config
    ingestion: Ingestion

    def close(self) -> None:
        self.ingestion.close()


def bootstrap(settings: Settings) -> System:
    config = load_config(settings.config_path)
    ingestion = Ingestion(env=persistence_env(settings.database_url), config=config)
    return System(config=config, ingestion=ingestion)
