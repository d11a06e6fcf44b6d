"""Settings read once, from command-line options over environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass

from casetrail.adapters.storage.database import DEFAULT_DATABASE


# A plain dataclass: a read imports no pydantic to hold three strings.
@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE
    config_path: str | None = None
    log_level: str = "warning"

    @classmethod
    def from_environment(cls, database: str | None = None, config: str | None = None,
                         log_level: str | None = None) -> Settings:
        env = os.environ
        return cls(
            database_url=database or env.get("CASETRAIL_DATABASE") or DEFAULT_DATABASE,
            config_path=config or env.get("CASETRAIL_CONFIG") or None,
            log_level=(log_level or env.get("CASETRAIL_LOG_LEVEL") or "warning").lower(),
        )
