"""The ``casetrail`` command (spec ``cli-v1.md``).

Exit status: 0 success, 2 usage error, 3 done but some input was rejected,
1 anything else, with a one-line reason on standard error.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from collections.abc import Sequence
from typing import get_args

import structlog
from eventsourcing.persistence import PersistenceError

from casetrail.adapters.cli import (
    case_commands,
    demo,
    factor_commands,
    import_commands,
    ingest_commands,
    kafka_commands,
    reject_commands,
    report_commands,
)
from casetrail.adapters.cli.arguments import moment, positive_int
from casetrail.adapters.cli.exit_status import EXIT_FAILED
from casetrail.adapters.cli.interpreter import tune_for_batches
from casetrail.adapters.config_file import ConfigError, load_config
from casetrail.adapters.http import server
from casetrail.adapters.importers.jsonl import InputError
from casetrail.adapters.kafka.topics import DEFAULT_BOOTSTRAP, KafkaSettings
from casetrail.adapters.logs import LEVELS, configure_logging
from casetrail.adapters.settings import Settings
from casetrail.adapters.storage.database import DatabaseURLError, check_database, redacted
from casetrail.adapters.storage.outages import first_line
from casetrail.domain.errors import DomainError
from casetrail.domain.lifecycle import Status

log = structlog.get_logger("casetrail.cli")

# What a case can be (domain.lifecycle): the filter takes nothing else.
CASE_STATUSES = get_args(Status)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = Settings.from_environment(database=getattr(args, "database", None), config=getattr(args, "config", None),
                                         log_level=getattr(args, "log_level", None))
    try:
        configure_logging(settings.log_level)
        load_config(settings.config_path)  # a mistake in it is named first, whatever the database
        if args.run is not demo.run:  # the demo makes a file of its own
            check_database(settings.database_url, must_exist=args.run not in _MAY_CREATE)
        tune_for_batches()
        return int(args.run(args, settings))
    except (ConfigError, DatabaseURLError, InputError, DomainError, ValueError) as error:
        return _fail(str(error))
    except (PersistenceError, sqlite3.Error, _loaded("psycopg", "Error")) as error:
        return _fail(f"database: cannot use {redacted(settings.database_url)}: {first_line(error)}")
    except _loaded("kafka.errors", "KafkaError") as error:
        from kafka.errors import KafkaTimeoutError

        bootstrap_servers = os.environ.get("CASETRAIL_KAFKA_BOOTSTRAP") or DEFAULT_BOOTSTRAP
        if isinstance(error, KafkaTimeoutError) and "bootstrap" in str(error).lower():
            return _fail(f"kafka: no broker answered at {bootstrap_servers} within "
                         f"{KafkaSettings.bootstrap_timeout_ms / 1000:g} s")
        return _fail(f"kafka: cannot use {bootstrap_servers}: {first_line(error)}")
    except OSError as error:
        return _fail(f"{error.filename or 'input'}: {error.strerror or error}")
    except KeyboardInterrupt:
        return _fail("interrupted")


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--database", default=argparse.SUPPRESS,
                        help="sqlite:///PATH or postgresql://USER@HOST:PORT/DBNAME (env CASETRAIL_DATABASE)")
    common.add_argument("--config", default=argparse.SUPPRESS,
                        help="TOML configuration file (env CASETRAIL_CONFIG)")
    common.add_argument("--log-level", choices=LEVELS, default=argparse.SUPPRESS,
                        help="JSON log lines on standard error from this level on; libraries' lines only at debug "
                             "(env CASETRAIL_LOG_LEVEL, default warning)")
    parser = argparse.ArgumentParser(
        prog="casetrail", parents=[common],
        description="Event-sourced case management for hospitality and travel customer service.",
    )
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    ingest_commands.add_parser(commands, common, positive_int)
    reject_commands.add_parser(commands, common)

    listing = commands.add_parser("cases", parents=[common], help="list cases, oldest first")
    listing.add_argument("--json", action="store_true", help="print one JSON document")
    listing.add_argument("--status", choices=CASE_STATUSES, help="only cases with this status (open, resolved, closed)")
    listing.add_argument("--category", help="only cases of this category")
    listing.add_argument("--department", help="only cases with a factor naming this department")
    listing.set_defaults(run=case_commands.cases)

    one = commands.add_parser("case", parents=[common], help="one case report with its timeline")
    one.add_argument("case", metavar="CASE", help="the case id or case_ref")
    one.add_argument("--json", action="store_true", help="print one JSON document")
    one.add_argument("--as-of", metavar="T", type=moment,
                     help="as it stood in the world at T (events that occurred by T); RFC 3339 with offset")
    one.add_argument("--known-at", metavar="T", type=moment,
                     help="as it was known at T (events reported by T); RFC 3339 with offset")
    one.set_defaults(run=case_commands.case)

    report_commands.add_parser(commands, common, positive_int)
    import_commands.add_parser(commands, common, positive_int)
    factor_commands.add_parsers(commands, common)
    kafka_commands.add_parsers(commands, common, positive_int)
    server.add_parsers(commands, common)

    rebuild = commands.add_parser("replay", parents=[common], help="rebuild every view from the log")
    rebuild.add_argument("--json", action="store_true", help="print one JSON document")
    rebuild.set_defaults(run=case_commands.replay)

    sample = commands.add_parser("demo", parents=[common],
                                 help=f"load the sample scenarios into a fresh {demo.DEMO_FILE} and show what was found")
    sample.add_argument("--json", action="store_true", help="print one JSON document")
    sample.set_defaults(run=demo.run)
    return parser


# The commands that bring input and so may start a store. Any other command (a read, replay
# and relay, which write only what they derive from the log, a lead's decision on a case that
# must exist) says a database that is not there is not there, instead of creating an empty one.
_MAY_CREATE = (ingest_commands.run, import_commands.run_hotel_bookings, kafka_commands.run_consume, demo.run,
               server.run_serve, server.run_token_new)


class _NeverRaised(Exception):
    """Stands for the errors of a library no command has imported: none of them can have been raised."""


def _loaded(module: str, name: str) -> type[BaseException]:
    """The error class ``name`` of ``module`` if a command imported that library, else one nothing raises.

    Importing kafka or psycopg takes longer than a whole read command, and most commands need neither."""
    return getattr(sys.modules.get(module), name, _NeverRaised)


def _fail(reason: str) -> int:
    print(f"casetrail: {reason}", file=sys.stderr)
    return EXIT_FAILED


def entry_point() -> None:
    sys.exit(main())

