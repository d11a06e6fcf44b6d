"""Argument types the commands share: whole numbers and RFC 3339 moments."""

from __future__ import annotations

import argparse
from datetime import datetime


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

    Parsed as the inbound contract parses an event's ``time`` (``domain.values.Timestamp``),
    so the command line takes what the log can hold and nothing else.
    """
    from pydantic import TypeAdapter, ValidationError

    from casetrail.domain.values import Timestamp

    try:
        return TypeAdapter(Timestamp).validate_python(text)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        if first["type"] == "value_error":  # the contract's own reason, which quotes the text
            raise argparse.ArgumentTypeError(str(first["msg"]).removeprefix("Value error, ")) from None
        raise argparse.ArgumentTypeError(f"{text!r} is not an RFC 3339 timestamp with an offset, "
                                         f"e.g. 2019-06-21T10:33:30+07:00") from None
