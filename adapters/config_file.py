"""Reads the TOML configuration file over the built-in defaults.

Every error names the file and, where the file says it, the line (or, for
bytes that are not UTF-8, the byte offset).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported once a file is read: without one, a read needs no pydantic
    from pydantic import ValidationError

    from casetrail.domain.config import Config


class ConfigError(ValueError):
    pass


# The table the HTTP server reads (``adapters.http.auth``): not policy, so not the domain's.
API_TABLE = "api"


def load_config(path: str | None) -> Config:
    from pydantic import ValidationError

    from casetrail.domain.config import EVENT_TYPES, Config

    if path is None:
        return Config()
    text, document = read_document(path)
    document = {key: value for key, value in document.items() if key != API_TABLE}
    merged = _merge(Config().model_dump(), document)
    try:
        from casetrail.domain.catalogue import ACCEPTED  # only a file of one's own asks for the catalogue of types

        return Config.model_validate(merged, context={EVENT_TYPES: frozenset(ACCEPTED)})
    except ValidationError as error:
        raise validation_error(path, text, error) from None


def read_document(path: str) -> tuple[str, dict[str, Any]]:
    """The file's text and its TOML document; an error names the file and where in it."""
    import tomllib

    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"config {path}: file not found") from None
    except OSError as error:
        raise ConfigError(f"config {path}: cannot read: {error.strerror or error}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise ConfigError(f"config {path}, line {line} (byte {error.start}): not UTF-8 text") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # The library's message ends with its position, e.g. "(at line 2, column 9)".
        raise ConfigError(f"config {path}: not valid TOML: {error}") from None
    return text, document


def validation_error(path: str, text: str, error: ValidationError, within: Sequence[str] = ()) -> ConfigError:
    """The first problem pydantic found, naming the key and its line; ``within`` is the table validated."""
    first = error.errors(include_url=False)[0]
    loc = [*within, *first["loc"]]
    key = ".".join(str(part) for part in loc)
    problem = "unknown key" if first["type"] == "extra_forbidden" else first["msg"].lower()
    problem = problem.removeprefix("value error, ")
    key_at = key_line(text, loc)
    where = f"config {path}, line {key_at}" if key_at else f"config {path}"
    return ConfigError(f"{where}: {key}: {problem}")


def _merge(defaults: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; any other value replaces the default."""
    merged = dict(defaults)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"'. ]+?)\s*=")


def key_line(text: str, loc: Sequence[int | str]) -> int | None:
    """The line (from 1) that sets the key at ``loc``, or the table that lacks it; None when
    the file does not say it (a default was wrong, or the file spells it in a way not followed here).

    ``tomllib`` keeps no positions, so this reads the headers and keys of the lines themselves.
    """
    wanted = [str(part) for part in loc]
    table: list[str] = []
    arrays: dict[tuple[str, ...], int] = {}
    best: tuple[int, int] | None = None  # (how much of ``wanted`` the line names, its number)
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            table = _dotted(header.group(2))
            if header.group(1) == "[[":
                index = arrays.get(tuple(table), -1) + 1
                arrays[tuple(table)] = index
                table = [*table, str(index)]
            named = table
        else:
            key = _KEY.match(line)
            if not key:
                continue
            named = [*table, *_dotted(key.group(1))]
        matched = _common_prefix(named, wanted)
        if matched == len(named) and (best is None or matched > best[0]):
            best = (matched, number)
    return best[1] if best else None


def _dotted(key: str) -> list[str]:
    return [part.strip().strip("\"'") for part in re.findall(r"\"[^\"]*\"|'[^']*'|[^.]+", key)]


def _common_prefix(a: list[str], b: list[str]) -> int:
    count = 0
    for x, y in zip(a, b):
        if x != y:
            break
        count += 1
    return count
