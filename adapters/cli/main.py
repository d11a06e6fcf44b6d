"""The ``casetrail`` command (spec ``cli-v1.md``).

Exit status: 0 success, 2 usage error, 3 done but some input was rejected,
1 anything else, with a one-line reason on standard error.

A command imports only its own module: a read is over before kafka, the applications or
pydantic could have been imported (``python -X importtime`` shows what each command loads).
"""

from __future__ import annotations

import argparse
import importlib
import sqlite3
import sys
from collections.abc import Sequence
from types import ModuleType

from casetrail.adapters.cli.exit_status import EXIT_FAILED
from casetrail.adapters.cli.interpreter import tune_for_batches
from casetrail.adapters.cli.store_mode import StoreMode
from casetrail.adapters.config_file import ConfigError, load_config
from casetrail.adapters.logs import LEVELS, configure_logging
from casetrail.adapters.settings import Settings
from casetrail.adapters.storage.database import DatabaseURLError, check_database, redacted
from casetrail.domain.errors import DomainError

# The modules (under casetrail.adapters) of the command groups, in the order ``casetrail --help`` lists them, with the commands each declares.
COMMAND_MODULES = {
    "cli.ingest_commands": ("ingest",),
    "cli.reject_commands": ("rejects",),
    "cli.case_commands": ("cases", "case", "replay"),
    "cli.report_commands": ("report",),
    "cli.import_commands": ("import",),
    "cli.factor_commands": ("factor", "assign", "escalate", "resolve", "reopen", "close"),
    "cli.kafka_commands": ("consume", "relay"),
    "cli.integrity_commands": ("verify", "checkpoint", "export", "verify-pack", "key"),
    "cli.erasure_commands": ("erase",),
    "http.server": ("serve", "token"),
    "cli.demo": ("demo",),
}
_GLOBAL_OPTIONS_WITH_VALUES = ("--database", "--config", "--log-level")


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser(_modules_for(argv)).parse_args(argv)
    settings = Settings.from_environment(database=getattr(args, "database", None), config=getattr(args, "config", None),
                                         log_level=getattr(args, "log_level", None))
    mode: StoreMode = args.store
    try:
        configure_logging(settings.log_level, own_lines=mode is not StoreMode.READ)
        if settings.config_path is not None:
            load_config(settings.config_path)  # a mistake in it is named first, whatever the database
        if mode in (StoreMode.CREATE, StoreMode.WRITE):
            check_database(settings.database_url, must_exist=mode is StoreMode.WRITE)
        if mode is not StoreMode.READ:
            tune_for_batches()
        # A read checks its store as it opens it read-only, through the one connection it asks on.
        return int(args.run(args, settings))
    except (ConfigError, DatabaseURLError, _loaded("casetrail.adapters.importers.jsonl", "InputError"), DomainError,
            ValueError) as error:
        return _fail(str(error))
    except (_loaded("eventsourcing.persistence", "PersistenceError"), sqlite3.Error,
            _loaded("psycopg", "Error")) as error:
        from casetrail.adapters.storage.outages import first_line

        return _fail(f"database: cannot use {redacted(settings.database_url)}: {first_line(error)}")
    except _loaded("casetrail.adapters.processes.part_walker", "PartWalkerFailed") as error:
        return _fail(str(error))
    except _loaded("kafka.errors", "KafkaError") as error:
        from casetrail.adapters.kafka.topics import broker_problem

        return _fail(broker_problem(error))
    except OSError as error:
        return _fail(f"{error.filename or 'input'}: {error.strerror or error}")
    except KeyboardInterrupt:
        return _fail("interrupted")


def _modules_for(argv: Sequence[str]) -> list[ModuleType]:
    """The module of the command ``argv`` names; every module when it names none (``--help``, a typo),
    so that argparse can list them all."""
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word in _GLOBAL_OPTIONS_WITH_VALUES:
            skip = True
        elif not word.startswith("-"):
            named = [module for module, commands in COMMAND_MODULES.items() if word in commands]
            if named:
                return [importlib.import_module(f"casetrail.adapters.{named[0]}")]
            break
    return [importlib.import_module(f"casetrail.adapters.{module}") for module in COMMAND_MODULES]


def _parser(modules: Sequence[ModuleType]) -> argparse.ArgumentParser:
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
    for module in modules:
        module.add_parsers(commands, common)
    return parser


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
