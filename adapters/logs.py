"""structlog set up once: JSON lines on standard error, with bound context.

casetrail's own lines go through structlog at the level asked for. Libraries
log through the standard library (kafka-python's reconnects, say); their
lines are the same JSON, with the traceback of an exception they log, but
only at ``debug``: at any other level a library's retries would bury the one
line that says what went wrong.
"""

from __future__ import annotations

import logging
import sys

LEVELS = ("debug", "info", "warning", "error")
# Above every level the standard library has: nothing from a library gets through.
_SILENT = logging.CRITICAL + 1


def configure_logging(level: str = "warning", own_lines: bool = True) -> None:
    """JSON lines from ``level`` on. A command that logs nothing of its own (``own_lines`` false: a read)
    sets structlog up only at debug, where the libraries' lines are shown; below, it only silences them."""
    numeric = logging.getLevelName(level.upper())
    if level.lower() not in LEVELS or not isinstance(numeric, int):
        raise ValueError(f"log level: unknown level {level!r}; use {', '.join(LEVELS)}")
    if not own_lines and numeric > logging.DEBUG:
        root = logging.getLogger()
        root.handlers[:] = [logging.NullHandler()]  # a library logger with a level of its own reaches it
        root.setLevel(_SILENT)
        return
    import structlog  # about as long to import as a whole read takes

    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        # It asks for a TextIO, and uses only write and flush.
        logger_factory=structlog.PrintLoggerFactory(file=_StandardError()),  # type: ignore[arg-type]
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(_StandardError())
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        # What a library's record becomes before the renderer: its logger, level, time and exception.
        foreign_pre_chain=[
            structlog.stdlib.add_logger_name,
            structlog.stdlib.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
    ))
    # On the handler as well as the root: a library logger with a level of its own
    # decides for itself whether to log, and the record still reaches this handler.
    libraries = numeric if numeric <= logging.DEBUG else _SILENT
    handler.setLevel(libraries)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(libraries)


class _StandardError:
    """Whatever ``sys.stderr`` is when a line is written: loggers are cached on
    first use, and a caller may have redirected standard error since."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()
