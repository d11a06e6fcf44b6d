"""What a person reads: text that fits 80 columns without cutting a ref, sentences
without None or False, and untrusted text that stays text (no rich markup, no
terminal control, no spreadsheet formula)."""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from casetrail.adapters.cli import output
from tests.conftest import SCENARIOS, lines_of
from tests.test_cli import casetrail

ALL_SAMPLES = [str(p) for p in sorted(SCENARIOS.glob("*.jsonl"))]
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")  # controls but the newline
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def columns_80(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")


def run(database_url: str, *args: str) -> str:
    result = casetrail("--database", database_url, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def ingest(database_url: str, *paths: str | Path, rejects: bool = False) -> None:
    result = casetrail("--database", database_url, "ingest", "--backfill", *map(str, paths))
    assert result.returncode == (3 if rejects else 0), result.stderr


def flat(text: str) -> str:
    """The text with its line breaks and indents as single spaces, as a person reads it."""
    return " ".join(text.split())


def assert_fits(text: str, width: int = 80) -> None:
    too_wide = [line for line in text.splitlines() if len(line) > width]
    assert not too_wide, too_wide
    assert "…" not in text


# 7. 80 columns


def test_at_80_columns_every_case_ref_is_printed_whole(sqlite_url: str, columns_80: None) -> None:
    ingest(sqlite_url, *ALL_SAMPLES)
    refs = [c["case_ref"] for c in json.loads(run(sqlite_url, "cases", "--json"))]
    text = run(sqlite_url, "cases")
    assert_fits(text)
    words = set(text.split())
    assert [ref for ref in refs if ref not in words] == []
    assert text.splitlines()[0] == "48 cases, oldest first"


def test_a_wide_terminal_still_gets_a_table(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    ingest(sqlite_url, SCENARIOS / "05-booking-blamed-on-first-contact.jsonl")
    lines = run(sqlite_url, "cases").splitlines()
    assert lines[1].split() == ["opened", "case", "category", "status", "priority", "departments"]
    assert lines[3].split()[:2] == ["2019-03-15T07:30:00Z", "ZD-9001"]


@pytest.mark.parametrize("name", ["weekly", "monthly", "outstanding", "departments", "top-issues"])
def test_at_80_columns_reports_fit_without_cutting_a_word(sqlite_url: str, columns_80: None, name: str) -> None:
    ingest(sqlite_url, *ALL_SAMPLES)
    text = run(sqlite_url, "report", name)
    assert_fits(text)
    document = json.loads(run(sqlite_url, "report", name, "--json"))
    for case in document.get("cases", []):
        assert case["case_ref"] in text.split()


def test_the_weekly_report_shows_the_weeks_with_cases_and_says_how_to_see_all(sqlite_url: str, columns_80: None) -> None:
    ingest(sqlite_url, *ALL_SAMPLES)
    text = run(sqlite_url, "report", "weekly")
    periods = json.loads(run(sqlite_url, "report", "weekly", "--json"))["periods"]
    busy = [p for p in periods if p["opened"] or p["resolved"]]
    assert 0 < len(busy) < 20 < len(periods)
    assert [p["from"] for p in periods if p["from"] in text] == [p["from"] for p in busy]
    footer = flat(text).rpartition(busy[-1]["to"])[2]
    assert f"{len(periods) - len(busy)} weeks" in footer and "--from" in footer and "--to" in footer
    quiet = next(p for p in periods if not (p["opened"] or p["resolved"]))
    asked = run(sqlite_url, "report", "weekly", "--from", quiet["from"], "--to", quiet["to"])
    assert quiet["from"] in asked


def test_continuation_lines_are_indented(tmp_path: Path, columns_80: None) -> None:
    result = casetrail("demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert_fits(result.stdout)
    top_level = ("01-", "02-", "03-", "04-", "05-", "Top issues", "256 events stored", "Explore:", "See it in",
                 "then open")
    assert [line for line in result.stdout.splitlines() if line and not line.startswith(" ")
            and not line.startswith(top_level)] == []


def test_a_paragraph_wraps_at_spaces_with_a_hanging_indent() -> None:
    printed = render(lambda: output.say("first " + "word " * 30 + "REF-0123456789ABCDEF0123", indent=2, hang=4),
                     width=40)
    lines = printed.splitlines()
    assert lines[0].startswith("  first") and all(line.startswith("      ") for line in lines[1:])
    assert all(len(line) <= 40 for line in lines)
    assert "REF-0123456789ABCDEF0123" in printed.split()



@pytest.mark.parametrize("zone", ["-08:00", "+05:45", "UTC"])
def test_a_clock_time_wraps_with_its_zone(zone: str) -> None:
    for width in range(20, 40):  # wherever the line ends, the time and its zone stay on one line
        printed = render(lambda: output.say(f"failed from 20:01 {zone} to 20:04 {zone}: declined"), width=width)
        assert f"20:04 {zone}" in printed and f"20:01 {zone}" in printed, printed


# 8. No leaks


def test_a_case_before_it_opened_reads_as_a_sentence(sqlite_url: str) -> None:
    ingest(sqlite_url, SCENARIOS / "05-booking-blamed-on-first-contact.jsonl")
    text = run(sqlite_url, "case", "ZD-9001", "--as-of", "2019-01-01T00:00:00Z")
    assert not re.search(r"\b(None|True|False|not_opened)\b", text), text
    assert "ZD-9001 was not open yet as of 2019-01-01T00:00:00Z" in text


def test_a_case_report_has_no_python_values_and_shows_who_decided(sqlite_url: str) -> None:
    ingest(sqlite_url, SCENARIOS / "01-overbooking-after-stop-sell.jsonl", SCENARIOS / "05-booking-blamed-on-first-contact.jsonl")
    ref = next(c["case_ref"] for c in json.loads(run(sqlite_url, "cases", "--json")) if c["category"] == "overbooking")
    run(sqlite_url, "factor", "confirm", ref, "stop_sell_not_honoured", "--by", "lead-7", "--rationale", "the ack is logged")
    text = flat(run(sqlite_url, "case", ref))
    assert not re.search(r"\b(None|True|False)\b", text), text
    assert "confirmed by lead-7" in text and "the ack is logged" in text and "proposed by detector:overbooking" in text
    added = flat(run(sqlite_url, "case", "ZD-9001"))
    assert "added by hod" in added and "proposed by detector:procedures" in added
    assert not re.search(r"\b(None|True|False)\b", added), added


def test_counts_have_the_right_plural(sqlite_url: str, tmp_path: Path) -> None:
    ingest(sqlite_url, SCENARIOS / "02-proactive-payment-rescue.jsonl")
    assert run(sqlite_url, "cases").splitlines()[0] == "1 case, oldest first"
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n")
    ingest(sqlite_url, bad, rejects=True)
    assert run(sqlite_url, "rejects").splitlines()[0] == "1 rejected input"


def test_plural_and_durations() -> None:
    assert [output.plural(n, "case") for n in (0, 1, 2)] == ["0 cases", "1 case", "2 cases"]
    assert output.plural(2, "party", "parties") == "2 parties"
    assert [output.duration(s) for s in (0, 59, 840, 3660, 1039500)] == ["0 s", "59 s", "14 min", "1 h 1 min",
                                                                        "12 days 0 h"]


# 9. Untrusted text stays text

# Ingest refuses C0 control characters (ESC among them); C1 controls, DEL and
# bidi overrides are text to it, and some terminals still act on them.
HOSTILE_ACTOR = "mal\x9d0;owned\x9clory"
HOSTILE_SUMMARY = "guest [/x] [bold]upset\x9b2J\x9bH\x7f\u202e"


def hostile_events() -> list[bytes]:
    opened = {"specversion": "1.0", "id": "evil-1", "source": "helpdesk:zendesk", "type": "case.opened",
              "time": "2024-06-03T10:00:00+00:00", "actor": HOSTILE_ACTOR, "department": "@SUM(1+1)*cmd|' /C calc'!A0",
              "data": {"case_ref": "=HYPERLINK(\"http://x.example\")", "category": "other",
                       "summary": HOSTILE_SUMMARY, "priority": "critical"}}
    factor = {"specversion": "1.0", "id": "evil-2", "source": "helpdesk:zendesk", "type": "case.factor_added",
              "time": "2024-06-03T11:00:00+00:00", "actor": "hod", "actorrole": "lead",
              "data": {"case_ref": "=HYPERLINK(\"http://x.example\")", "code": "+cmd", "department": "=1+2",
                       "explanation": "[red]x\x9b31m", "evidence": [{"source": "helpdesk:zendesk", "id": "evil-1"}]}}
    return [json.dumps(opened).encode(), json.dumps(factor).encode()]


def test_markup_in_a_rejected_line_is_shown_as_it_is(sqlite_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"a": "[/x] [bold]b"}\n' + b"\x1b[2J not json\n")
    ingest(sqlite_url, bad, rejects=True)
    text = run(sqlite_url, "rejects")
    assert "[/x]" in text and "[bold]b" in text
    assert not CONTROL.search(text) and "\\x1b[2J" in text


def test_control_characters_never_reach_the_terminal(database_url: str, tmp_path: Path) -> None:
    events = tmp_path / "hostile.jsonl"
    events.write_bytes(b"\n".join(hostile_events()) + b"\n")
    ingest(database_url, str(events))
    ref = json.loads(run(database_url, "cases", "--json"))[0]["case_ref"]
    for args in (["case", ref], ["cases"], ["report", "outstanding"], ["report", "departments"],
                 ["report", "weekly"], ["report", "top-issues"]):
        text = run(database_url, *args)
        assert not CONTROL.search(text), (args, text)
    text = flat(run(database_url, "case", ref))
    assert "mal\\x9d0;owned\\x9clory" in text and "[/x] [bold]upset\\x9b2J" in text and "[red]x" in text


def test_no_csv_cell_is_a_formula(database_url: str, tmp_path: Path) -> None:
    events = tmp_path / "hostile.jsonl"
    events.write_bytes(b"\n".join(hostile_events()) + b"\n")
    ingest(database_url, str(events))
    cells = []
    for name in ("outstanding", "departments", "weekly", "top-issues"):
        cells += [cell for row in csv.reader(io.StringIO(run(database_url, "report", name, "--csv"))) for cell in row]
    assert [cell for cell in cells if cell.startswith(FORMULA_START)] == []
    assert "'=HYPERLINK(\"http://x.example\")" in cells and "'=1+2" in cells and "'+cmd" in cells


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


# 13. replay --json


def test_replay_prints_its_counts_as_one_json_document(sqlite_url: str) -> None:
    ingest(sqlite_url, SCENARIOS / "02-proactive-payment-rescue.jsonl")
    document = json.loads(run(sqlite_url, "replay", "--json"))
    said = [re.fullmatch(r"(\S+): rebuilt from (\d+) stored events", line) for line in run(sqlite_url, "replay").splitlines()]
    assert {name: view["events"] for name, view in document["views"].items()} == {
        match[1]: int(match[2]) for match in said if match}
    assert None not in said
    assert document["views"]["timeline"]["events"] >= len(lines_of("02-proactive-payment-rescue.jsonl"))
