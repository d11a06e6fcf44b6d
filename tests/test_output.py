"""What a person reads: paragraphs that wrap without cutting a ref, counts with
the right plural, and untrusted text that stays text (no rich markup, no
terminal control, no spreadsheet formula)."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from adapters import output

CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")  # controls but the newline
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# 7. 80 columns


def test_a_paragraph_wraps_at_spaces_with_a_hanging_indent() -> None:
    printed = render(lambda: output.say("first " + "word " * 30 + "REF-0123456789ABCDEF0123", indent=2, hang=4),
                     width=40)
    lines = printed.splitlines()
    assert lines[0].startswith("  first") and all(line.startswith("      ") for line in lines[1:])
    assert all(len(line) <= 40 for line in lines)
    assert "REF-0123456789ABCDEF0123" in printed.split()


# 8. No leaks


def test_plural_and_durations() -> None:
    assert [output.plural(n, "case") for n in (0, 1, 2)] == ["0 cases", "1 case", "2 cases"]
    assert output.plural(2, "party", "parties") == "2 parties"
    assert [output.duration(s) for s in (0, 59, 840, 3660, 1039500)] == ["0 s", "59 s", "14 min", "1 h 1 min",
                                                                        "12 days 0 h"]


# 9. Untrusted text stays text


def test_negative_numbers_stay_numbers_in_csv() -> None:
    assert output.csv_row([-3, 0.5, None, "-3", "x"]) == [-3, 0.5, "", "'-3", "x"]


def render(show: Callable[[], None], width: int = 80) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, force_terminal=False, legacy_windows=False)
    previous, output.console = output.console, console
    try:
        show()
    finally:
        output.console = previous
    return buffer.getvalue()


hostile_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"])) | st.sampled_from(
    ["[/x]", "[bold]", "[/]", "\x1b[2J", "\x1b]0;t\x07", "=1+2", "+A1", "-1", "@SUM(A1)", "\tx", "\rx", "[link=x]a",
     "\\[x]", "a\\", "\x9b2J", "\u202eevil", "x\u2028y"])


@settings(max_examples=300, deadline=None)
@given(st.lists(hostile_text, min_size=1, max_size=6), st.integers(min_value=20, max_value=120))
def test_any_text_renders_as_text_and_never_as_a_formula(cells: list[str], width: int) -> None:
    columns = [output.Column(f"c{n}", key=n == 0) for n in range(len(cells))]

    def show() -> None:
        output.show_table(cells[0], columns, [cells, cells[::-1]], footer=cells[-1])
        output.say(*cells, indent=2)
        output.say(output.styled(cells[0], "bold"), " and ", *cells[1:])

    printed = render(show, width)
    assert not CONTROL.search(printed)
    squeezed = "".join(printed.split())
    for cell in cells:
        assert "".join(output.visible(cell).split()) in squeezed
    assert all(unicodedata.category(ch) != "Cc" for ch in "".join(output.visible(cell) for cell in cells))
    written = io.StringIO()
    csv.writer(written).writerows([output.csv_row(cells), output.csv_row([*cells, 1, None])])
    for row in csv.reader(io.StringIO(written.getvalue())):
        assert [cell for cell in row if cell.startswith(FORMULA_START)] == []
