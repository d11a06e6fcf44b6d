"""Reads JSON Lines input from files or standard input, one raw event per line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import BinaryIO, Callable, Iterator, Sequence

from services.batches import RawInput


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
    for number, line in enumerate(stream, start=1):
        if on_bytes is not None:
            on_bytes(len(line))
        raw = line.rstrip(b"\r\n")
        if raw.strip():
            yield RawInput(raw=raw, entrance=f"{entrance}:{number}")
