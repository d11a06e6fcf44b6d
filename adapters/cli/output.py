"""How answers are printed: one JSON document for machines, CSV for spreadsheets, text for people.

Every value that reaches the terminal or a CSV cell goes through one function per concern:

- ``visible``: control characters (C0, DEL, C1, line separators, bidi overrides) become visible
  escapes such as ``\\x1b``, so an ``actor`` cannot retitle or clear the terminal;
- ``styled``: a value as a rich ``Text``, never parsed as markup, so ``[/x]`` is shown as it is;
- ``csv_cell``: a text cell that would start a spreadsheet formula gets a leading single quote.

Text for people is made of paragraphs (``say``) that wrap at spaces with indented continuation
lines, and tables (``show_table``) that never cut a word: a table that cannot fit the terminal is
printed one record per block instead.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:  # rich is imported by the text that uses it: a --json answer does without it
    from rich.console import Console
    from rich.text import Text

# The terminal text goes to; made on first use.
console: Console | None = None

# A part of a line: plain text, or a value with a rich style name, or a Text made by ``styled``.
Part: TypeAlias = "str | Text | tuple[Any, str]"

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Tab and carriage return would start a formula too; visible() has already written them as escapes.
_FORMULA_START = ("=", "+", "-", "@")
# A word is what wrapping keeps on one line: a clock time stays with its zone ("10:31 +07:00").
_WORD = re.compile(r"\d{2}:\d{2} (?:[+-]\d{2}:\d{2}|UTC)\S*|\S+")
_GAP = 2  # cells between two table columns


def print_json(document: Any) -> None:
    json.dump(document, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# Untrusted text


def visible(value: Any) -> str:
    """The value as text in which no character can control a terminal: each control character
    is shown as its escape (``\\x1b``, ``\\n``, ``\\u202e``)."""
    return _CONTROL.sub(_escape, "" if value is None else str(value))


def _escape(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


def styled(value: Any, style: str = "") -> Text:
    """The value as a rich Text: shown as it is (never read as markup), with its control characters visible."""
    from rich.text import Text

    return Text(visible(value), style=style)


def csv_cell(value: Any) -> Any:
    """One CSV cell: numbers as they are, nothing for None, text visible and never a formula
    (OWASP CSV injection: a cell starting with = + - @ gets a leading single quote; tab and CR
    are shown as escapes before that)."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = visible(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(value) for value in values]


# Words


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 case``, ``2 cases``, ``2 parties``."""
    return f"{count} {singular if count == 1 else plural_form or singular + 's'}"


def duration(seconds: float) -> str:
    """A span of time as a person says it: ``59 s``, ``14 min``, ``1 h 1 min``, ``12 days 0 h``."""
    seconds = int(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{plural(days, 'day')} {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min" + (f" {secs} s" if secs else "")
    return f"{secs} s"


# Paragraphs


def line(*parts: Part) -> Text:
    """One line of text from its parts, each made safe by ``styled``."""
    from rich.text import Text

    text = Text()
    for part in parts:
        if isinstance(part, Text):
            text.append_text(part)
        elif isinstance(part, tuple):
            text.append_text(styled(*part))
        else:
            text.append_text(styled(part))
    return text


def say(*parts: Part, indent: int = 0, hang: int = 4) -> None:
    """Print a paragraph wrapped to the terminal at spaces: the first line indented by ``indent``,
    the lines that continue it by ``indent + hang``. A word longer than a line (a ref, an id) is
    printed whole on a line of its own, never cut."""
    terminal = _console()
    for row in wrap(line(*parts), terminal.width, indent, hang):
        terminal.print(row, soft_wrap=True)


def _console() -> Console:
    global console
    if console is None:
        from rich.console import Console

        console = Console(highlight=False)
    return console


def wrap(text: Text, width: int, indent: int = 0, hang: int = 4) -> list[Text]:
    from rich.cells import cell_len
    from rich.text import Text

    plain = text.plain
    rows: list[Text] = []
    start = end = None
    for word in _WORD.finditer(plain):
        margin = indent if not rows else indent + hang
        if start is None:
            start = word.start()
        elif cell_len(plain[start:word.end()]) > width - margin:
            rows.append(Text(" " * margin) + text[start:end])
            start = word.start()
        end = word.end()
    if start is not None:
        rows.append(Text(" " * (indent if not rows else indent + hang)) + text[start:end])
    return rows or [Text(" " * indent)]


# Tables


@dataclass(frozen=True)
class Column:
    header: str
    key: bool = False  # a ref or an id: always printed whole, on one line


def show_table(title: str, columns: Sequence[Column], rows: Sequence[Sequence[Any]], footer: str | None = None) -> None:
    """Rows under a title, as a table when every word fits the terminal, else one record per block:
    the key cells first, then each other column's header and value, continuation lines indented."""
    from rich.cells import cell_len

    say(title)
    cells = [[styled("" if value is None else value) for value in row] for row in rows]
    minimum = [max([_longest_word(column.header)] + [_width(row[n], column.key) for row in cells])
               for n, column in enumerate(columns)]
    natural = [max([cell_len(column.header)] + [cell_len(row[n].plain) for row in cells])
               for n, column in enumerate(columns)]
    room = _console().width - _GAP * (len(columns) - 1)
    if rows and sum(minimum) > room:
        _show_blocks(columns, cells)
    elif rows:
        _show_columns(columns, cells, _shrink(natural, minimum, room))
    if footer:
        say(footer)


def _width(cell: Text, key: bool) -> int:
    from rich.cells import cell_len

    return cell_len(cell.plain) if key else _longest_word(cell.plain)


def _longest_word(text: str) -> int:
    from rich.cells import cell_len

    return max((cell_len(word) for word in text.split()), default=0)


def _shrink(natural: list[int], minimum: list[int], room: int) -> list[int]:
    """Column widths that fit ``room``: the widest columns give up cells first, none below its minimum."""
    widths = list(natural)
    while sum(widths) > room:
        widest = max((n for n in range(len(widths)) if widths[n] > minimum[n]), key=lambda n: widths[n])
        widths[widest] -= 1
    return widths


def _show_columns(columns: Sequence[Column], cells: list[list[Text]], widths: list[int]) -> None:
    # SIMPLE_HEAD draws a space between columns, and each column but the last has one cell of
    # padding after it: _GAP cells between columns.
    from rich import box
    from rich.table import Table
    from rich.text import Text

    terminal = _console()
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0), header_style="bold")
    for column, width in zip(columns, widths):
        table.add_column(styled(column.header), width=width, no_wrap=column.key, overflow="fold")
    for row in cells:
        table.add_row(*row)
    for segments in terminal.render_lines(table, terminal.options, pad=False):
        text = Text.assemble(*((segment.text, segment.style or "") for segment in segments))
        text.rstrip()
        terminal.print(text, soft_wrap=True)


def _show_blocks(columns: Sequence[Column], cells: list[list[Text]]) -> None:
    keys = [n for n, column in enumerate(columns) if column.key] or [0]
    for row in cells:
        heading = row[keys[0]].copy()
        heading.stylize("bold")
        parts: list[Part] = [heading]
        for n in keys[1:]:
            parts += [" ", columns[n].header, " ", row[n]]
        fields = [n for n in range(len(columns)) if n not in keys and row[n].plain]
        for place, n in enumerate(fields):
            parts += ["  " if place == 0 else "; ", columns[n].header, " ", row[n]]
        say(*parts)
