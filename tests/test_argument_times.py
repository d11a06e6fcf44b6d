"""Times and days on the command line are parsed as the inbound contract parses them:
RFC 3339 with an offset, in the years casetrail can hold, and a usage error otherwise."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from casetrail.adapters.cli.arguments import moment
from casetrail.adapters.cli.report_commands import _date
from tests.conftest import SCENARIOS
from tests.test_cli import casetrail


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019-06-21T10:33:30+07:00", datetime(2019, 6, 21, 10, 33, 30, tzinfo=timezone(timedelta(hours=7)))),
        ("2019-06-21T03:33:30Z", datetime(2019, 6, 21, 3, 33, 30, tzinfo=UTC)),
        ("2019-06-21T03:33:30.250-03:30", datetime(2019, 6, 21, 3, 33, 30, 250000,
                                                   tzinfo=timezone(-timedelta(hours=3, minutes=30)))),
        ("1900-01-01T00:00:00+14:00", datetime(1900, 1, 1, tzinfo=timezone(timedelta(hours=14)))),
        ("2199-12-31T23:59:59-12:00", datetime(2199, 12, 31, 23, 59, 59, tzinfo=timezone(-timedelta(hours=12)))),
    ],
)
def test_a_moment_is_rfc_3339_with_an_offset(text: str, expected: datetime) -> None:
    parsed = moment(text)
    assert parsed == expected and parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # ISO 8601 forms that are not RFC 3339; Python's fromisoformat took them.
        ("20190621T103330Z", "must be an RFC 3339 timestamp with offset, e.g. 2019-06-21T10:31:00+07:00"),
        ("2019-W25-5T10:00Z", "must be an RFC 3339 timestamp with offset, e.g. 2019-06-21T10:31:00+07:00"),
        ("2019-06-21", "must be an RFC 3339 timestamp with offset, e.g. 2019-06-21T10:31:00+07:00"),
        # Suggested "2019-06-21Z+07:00", which is not a timestamp either.
        ("2019-06-21Z", "must be an RFC 3339 timestamp with offset, e.g. 2019-06-21T10:31:00+07:00"),
        ("2019-06-21T10:33:30", "timestamp has no UTC offset; add Z or +hh:mm"),
        # Crashed with a traceback converting to UTC.
        ("0001-01-01T00:00:00+14:00", "0001-01-01 is outside 1900-2199"),
        ("9999-12-31T23:59:59-14:00", "9999-12-31 is outside 1900-2199"),
    ],
)
def test_anything_else_is_refused_with_a_reason_and_a_real_example(text: str, reason: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError) as raised:
        moment(text)
    message = str(raised.value)
    assert reason in message and (repr(text) in message or text[:10] in message), message


@pytest.mark.parametrize(
    "text",
    [
        # Not RFC 3339 either: the contract's Timestamp checks the text itself
        # (YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)).
        "2019-06-21 10:33:30Z",
        "2019-06-21T10:33Z",
        "2019-06-21T10:33:30+0700",
        "1561113210",
    ],
)
def test_a_moment_in_another_iso_8601_form_is_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        moment(text)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0001-01-01", "date 0001-01-01 is outside 1900-2199"),
        ("9999-12-31", "date 9999-12-31 is outside 1900-2199"),
        ("20190621", "must be an RFC 3339 date, YYYY-MM-DD"),
        ("2019-02-30", "is not a date (YYYY-MM-DD)"),
        ("tomorrow", "must be an RFC 3339 date, YYYY-MM-DD"),
    ],
)
def test_a_report_day_must_be_a_date_casetrail_can_count_in(text: str, reason: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        _date(text)
    assert _date("1900-01-01") == date(1900, 1, 1) and _date("2199-12-31") == date(2199, 12, 31)


def test_the_commands_refuse_out_of_range_times_with_a_usage_error(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path}/casetrail.db"
    assert casetrail("--database", database, "ingest", "--backfill",
                     str(SCENARIOS / "01-overbooking-after-stop-sell.jsonl")).returncode == 0
    case_ref = json.loads(casetrail("--database", database, "cases", "--json").stdout)[0]["case_ref"]

    for args in (["case", case_ref, "--as-of", "0001-01-01T00:00:00+14:00"],
                 ["case", case_ref, "--known-at", "20190621T103330Z"],
                 ["report", "weekly", "--from", "0001-01-01", "--to", "9999-12-31"]):
        result = casetrail("--database", database, *args)
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert result.stderr.strip().splitlines()[-1].startswith(f"casetrail {args[0]}: error: argument ")

    widest = casetrail("--database", database, "report", "weekly", "--from", "1900-01-01", "--to", "2199-12-31",
                       "--tz", "Pacific/Kiritimati", "--json")
    assert widest.returncode == 0, widest.stderr
    periods = json.loads(widest.stdout)["periods"]
    assert periods[0]["from"] == "1900-01-01" and periods[-1]["to"] == "2199-12-31"
    earliest = casetrail("--database", database, "case", case_ref, "--as-of", "1900-01-01T00:00:00+14:00", "--json")
    assert earliest.returncode == 0, earliest.stderr
