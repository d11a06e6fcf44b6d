"""What the read commands share: the store opened read-only, and a word when its views are behind."""

from __future__ import annotations

import argparse
import sys

from casetrail.adapters.cli.output import plural
from casetrail.adapters.reading import Reader, open_reader
from casetrail.adapters.settings import Settings


def add_wait_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wait", type=_seconds, default=0.0, metavar="SECONDS",
                        help="if the views are behind the log, wait up to this long for them to catch up first")


def open_views(args: argparse.Namespace, settings: Settings) -> Reader:
    """The store, read-only. Views behind the log are read as they are, with one line on standard error
    saying how far behind (after waiting up to ``--wait`` seconds for them to catch up)."""
    reader = open_reader(settings)
    try:
        lag = reader.wait(args.wait) if args.wait else reader.lag()
    except BaseException:
        reader.close()
        raise
    if lag.behind:
        print(f"casetrail: warning: the views are {plural(lag.behind, 'event')} behind the log (at "
              f"{min(lag.positions.values())} of {lag.head}); the answer leaves those out "
              "(--wait SECONDS waits for them)", file=sys.stderr)
    return reader


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 <= value <= 3600:  # NaN too
        raise argparse.ArgumentTypeError("must be from 0 to 3600 seconds")
    return value
