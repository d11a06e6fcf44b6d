"""Reads JSON Lines input from files or standard input, one raw event per line."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from casetrail.services.batches import RawInput
from casetrail.services.limits import KEPT_BYTES, MAX_LINE_BYTES, TooLong


class InputError(OSError):
    pass


def check_readable(paths: Sequence[str]) -> None:
    """Fail before anything is stored if any named file cannot be read."""
    for path in paths:
        if path != "-" and not Path(path).is_file():
            raise InputError(f"{path}: no such file")


def read_inputs(paths: Sequence[str], on_bytes: Callable[[int], None] | None = None) -> Iterator[RawInput]:
    for path in paths:
        if path == "-":
            yield from _lines(sys.stdin.buffer, "stdin", on_bytes)
        else:
            with open(path, "rb") as stream:
                yield from _lines(stream, f"file:{path}", on_bytes)


def _lines(stream: BinaryIO, entrance: str, on_bytes: Callable[[int], None] | None) -> Iterator[RawInput]:
    """One input per non-blank line. A line is never held whole past the line
    limit: a longer one is read on in pieces for its size and hash."""
    number = 0
    while True:
        line = stream.readline(MAX_LINE_BYTES + 2)  # room for the line's own CR LF
        if not line:
            return
        number += 1
        if on_bytes is not None:
            on_bytes(len(line))
        raw = line.rstrip(b"\r\n")
        if len(raw) > MAX_LINE_BYTES:
            yield _too_long(stream, raw, line.endswith(b"\n"), f"{entrance}:{number}", on_bytes)
        elif raw.strip():
            yield RawInput(raw=raw, entrance=f"{entrance}:{number}")


def _too_long(stream: BinaryIO, start: bytes, ended: bool, where: str,
              on_bytes: Callable[[int], None] | None) -> RawInput:
    digest, size = hashlib.sha256(start), len(start)
    while not ended:
        piece = stream.readline(MAX_LINE_BYTES)
        if not piece:
            break
        if on_bytes is not None:
            on_bytes(len(piece))
        ended = piece.endswith(b"\n")
        piece = piece.rstrip(b"\r\n") if ended else piece
        digest.update(piece)
        size += len(piece)
    return RawInput(raw=start[:KEPT_BYTES], entrance=where, too_long=TooLong(size, digest.hexdigest()))
