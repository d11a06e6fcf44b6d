"""The ``casetrail`` command (spec ``cli-v1.md``).

Exit status: 0 success, 2 usage error, 3 done but some input was rejected,
1 anything else, with a one-line reason on standard error.
"""

from __future__ import annotations

import argparse
import base64
import os
import sqlite3
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any, get_args

import structlog
from eventsourcing.persistence import PersistenceError
from pydantic import ValidationError

from adapters import case_commands, demo, factor_commands, import_commands, kafka_commands, report_commands
from adapters.bootstrap import bootstrap
from adapters.config_file import ConfigError, load_config
from adapters.database import DatabaseURLError, check_database, redacted
from adapters.exit_status import EXIT_FAILED, EXIT_OK, EXIT_REJECTED
from adapters.interpreter import tune_for_batches
from adapters.jsonl import InputError, check_readable, read_inputs
from adapters.kafka_topics import DEFAULT_BOOTSTRAP, KafkaSettings
from adapters.logs import LEVELS, configure_logging
from adapters.outages import first_line
from adapters.output import Column, plural, print_json, show_table, utc_text
from adapters.settings import Settings
from domain.errors import DomainError
from domain.lifecycle import Status
from services.batches import IngestCounts
from services.ports import RejectedInput

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

    ingest = commands.add_parser("ingest", parents=[common], help="store JSON Lines CloudEvents (- for stdin)")
    ingest.add_argument("paths", nargs="+", metavar="PATH")
    ingest.add_argument("--json", action="store_true", help="print one JSON document")
    ingest.add_argument("--backfill", action="store_true",
                        help="historical input: an event without reportedat was known when it occurred")
    ingest.add_argument("--batch-size", type=positive_int, default=500, help="events per transaction (default 500)")
    ingest.set_defaults(run=_ingest)

    rejects = commands.add_parser("rejects", parents=[common], help="list rejected inputs with their reasons")
    rejects.add_argument("--json", action="store_true", help="print one JSON document")
    rejects.set_defaults(run=_rejects)

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

    rebuild = commands.add_parser("replay", parents=[common], help="rebuild every view from the log")
    rebuild.add_argument("--json", action="store_true", help="print one JSON document")
    rebuild.set_defaults(run=case_commands.replay)

    sample = commands.add_parser("demo", parents=[common],
                                 help=f"load the sample scenarios into a fresh {demo.DEMO_FILE} and show what was found")
    sample.add_argument("--json", action="store_true", help="print one JSON document")
    sample.set_defaults(run=demo.run)
    return parser


# Accepted inputs between two catch-ups of the views and detectors during one ingest.
CATCH_UP_EVERY = 100_000


def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    from adapters.progress import ByteProgress

    check_readable(args.paths)
    system = bootstrap(settings)
    since_catch_up = 0

    def stored(batch: IngestCounts) -> None:
        # A long stream keeps the views and detectors current as it goes: each catch-up
        # then holds a bounded backlog in memory, and readers see the views move.
        nonlocal since_catch_up
        since_catch_up += batch.accepted
        if since_catch_up >= CATCH_UP_EVERY:
            system.catch_up()
            since_catch_up = 0

    try:
        with ByteProgress(args.paths, "ingesting") as progress:
            counts = system.ingestion.ingest(read_inputs(args.paths, progress.advance), batch_size=args.batch_size,
                                             backfill=args.backfill, on_batch=stored)
        system.catch_up()
    finally:
        system.close()
    if args.json:
        print_json(vars(counts))
    else:
        print(counts)
    return EXIT_REJECTED if counts.rejected else EXIT_OK


def _rejects(args: argparse.Namespace, settings: Settings) -> int:
    system = bootstrap(settings)
    try:
        found = system.ingestion.ledger.rejected_inputs()
    finally:
        system.close()
    if args.json:
        print_json([reject_document(r) for r in found])
        return EXIT_OK
    columns = [Column("received"), Column("entrance", key=True), Column("reason"), Column("input")]
    show_table(plural(len(found), "rejected input"), columns,
               [[utc_text(r.received_at), r.entrance, r.reason, _preview(r.raw.decode("utf-8", "replace"))]
                for r in found])
    return EXIT_OK


def _preview(raw: str, length: int = 80) -> str:
    return raw if len(raw) <= length else raw[:length] + "…"


# The commands that bring input and so may start a store. Any other command (a read, replay
# and relay, which write only what they derive from the log, a lead's decision on a case that
# must exist) says a database that is not there is not there, instead of creating an empty one.
_MAY_CREATE = (_ingest, import_commands.run_hotel_bookings, kafka_commands.run_consume, demo.run)


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def moment(text: str) -> datetime:
    """An RFC 3339 timestamp given on the command line; it must say its offset.

    Parsed as the inbound contract parses an event's ``time`` (``services.inbound.Timestamp``),
    so the command line takes what the log can hold and nothing else.
    """
    from pydantic import TypeAdapter

    from services.inbound import Timestamp

    try:
        return TypeAdapter(Timestamp).validate_python(text)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        if first["type"] == "value_error":  # the contract's own reason, which quotes the text
            raise argparse.ArgumentTypeError(str(first["msg"]).removeprefix("Value error, ")) from None
        raise argparse.ArgumentTypeError(f"{text!r} is not an RFC 3339 timestamp with an offset, "
                                         f"e.g. 2019-06-21T10:33:30+07:00") from None


def reject_document(reject: RejectedInput) -> dict[str, Any]:
    document: dict[str, Any] = {
        "received_at": utc_text(reject.received_at),
        "entrance": reject.entrance,
        "reason": reject.reason,
        "raw": reject.raw.decode("utf-8", "replace"),
    }
    try:
        reject.raw.decode("utf-8")
    except UnicodeDecodeError:
        # The text above replaced what was not UTF-8; these are the exact bytes.
        document["raw_base64"] = base64.b64encode(reject.raw).decode()
    return document


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

