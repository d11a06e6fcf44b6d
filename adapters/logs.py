"""structlog set up once: JSON lines on standard error, with bound context."""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone

import structlog


def configure_logging(level: str = "warning") -> None:
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        raise ValueError(f"log level: unknown level {level!r}; use debug, info, warning or error")
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=_StandardError()),  # type: ignore[arg-type]
        cache_logger_on_first_use=True,
    )
    # Libraries log through the standard library (kafka-python's reconnects, say):
    # the same JSON lines, at the same level, instead of Python's bare text.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_JSONLines())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(numeric)


class _StandardError:
    """Whatever ``sys.stderr`` is when a line is written: loggers are cached on
    first use, and a caller may have redirected standard error since."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


class _JSONLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps({
            "event": record.getMessage(), "logger": record.name, "level": record.levelname.lower(),
            "timestamp": datetime.fromtimestamp(record.created, timezone.utc).isoformat().replace("+00:00", "Z"),
        })
