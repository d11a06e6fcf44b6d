"""The promise of ingest as a property: whatever lines arrive, valid ones
beside them are stored, every other one is kept with a short reason, the
command never fails, and every read afterwards answers, on both stores.

``make test`` runs a few examples per store; ``make fuzz`` runs many
(CASETRAIL_FUZZ_EXAMPLES), about 10,000 input lines per store.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casetrail.adapters.storage.database import persistence_env
from casetrail.domain.config import Config
from casetrail.domain.values import MAX_INTEGER, MAX_REF
from casetrail.services.ingestion import Ingestion
from casetrail.services.limits import MAX_DEPTH, MAX_REASON, MAX_TEXT
from tests.conftest import all_scenario_lines
from tests.test_limits import REPORTS, run

EXAMPLES = int(os.environ.get("CASETRAIL_FUZZ_EXAMPLES", "8"))
MIN_LINES = int(os.environ.get("CASETRAIL_FUZZ_MIN_LINES", "1"))
TALLY = os.environ.get("CASETRAIL_FUZZ_TALLY")  # a file that gets each example's store and count of lines
TEMPLATES = [orjson.loads(line) for line in all_scenario_lines()]


def deep(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = {"a": value}
    return value


# Values at and past every limit of ingest-v1, and shapes that are not what a field wants.
NASTY = st.one_of(
    st.sampled_from([
        MAX_INTEGER, MAX_INTEGER + 1, -1, 0, 2**63 - 1, 2**64, 1.5, 1e308, True, None, [], {}, "",
        "1", "1561087860", "99999999999", "2019-06-21", "2019-06-21T10:31:00", "20190621T103330Z",
        "1900-01-01T00:00:00+00:00", "1899-12-31T23:59:59Z", "2199-12-31T23:59:59+00:00", "2200-01-01T00:00:00Z",
        "0001-01-01T00:00:00+14:00", "x" * MAX_TEXT, "x" * (MAX_TEXT + 1), "r" * MAX_REF, "r" * (MAX_REF + 1),
        "a\x00b", "esc\x1b]0;title\x07", "tab\tline\nfeed", "[/x]", "=cmd|' /C calc'!A0", "é" * 300,
        deep(MAX_DEPTH - 2), deep(MAX_DEPTH + 5), deep(300),
    ]),
    st.text(max_size=50),
    st.integers(),
)


@st.composite
def valid_line(draw: st.DrawFn) -> tuple[bytes, bool]:
    event = dict(draw(st.sampled_from(TEMPLATES)))
    event["id"] = f"fz-{uuid.uuid4().hex}"
    return orjson.dumps(event), True


@st.composite
def mutated_line(draw: st.DrawFn) -> tuple[bytes, bool]:
    event = json.loads(json.dumps(draw(st.sampled_from(TEMPLATES))))
    event["id"] = f"fz-{uuid.uuid4().hex}"
    target = event["data"] if draw(st.booleans()) else event
    field = draw(st.sampled_from(sorted(target) + ["ext", "zz_unknown"]))
    if draw(st.integers(0, 5)) == 0:
        target.pop(field, None)
    else:
        target[field] = draw(NASTY)
    return _dumps(event), False


def _dumps(event: Any) -> bytes:
    try:
        return orjson.dumps(event)
    except (TypeError, orjson.JSONEncodeError):  # deeper than orjson writes, or an integer it cannot
        return json.dumps(event).encode()


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
ANY_LINE = st.one_of(
    valid_line(), valid_line(), mutated_line(), mutated_line(), mutated_line(),
    st.binary(max_size=120).map(lambda raw: (raw, False)),
    JSON_VALUES.map(lambda value: (_dumps(value), False)),
)


@contextmanager
def fresh_store(kind: str, postgres: str | None) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'fuzz.db'}"
        return
    assert postgres is not None
    schema = f"fuzz_{uuid.uuid4().hex[:12]}"
    try:
        yield f"{postgres}?schema={schema}"
    finally:
        with psycopg.connect(postgres, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_kind(request: pytest.FixtureRequest) -> tuple[str, str | None]:
    postgres = request.getfixturevalue("postgres_base") if request.param == "postgres" else None
    return request.param, postgres


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large, HealthCheck.large_base_example])
@given(lines=st.lists(ANY_LINE, min_size=MIN_LINES, max_size=MIN_LINES + 40))
def test_any_lines_store_the_valid_keep_the_rest_and_every_read_answers(
        capsys: pytest.CaptureFixture[str], store_kind: tuple[str, str | None],
        lines: list[tuple[bytes, bool]]) -> None:
    kind, postgres = store_kind
    # One input a line: a line break inside random bytes would make two.
    lines = [(raw.replace(b"\n", b" ").replace(b"\r", b" "), valid) for raw, valid in lines]
    lines = [(raw, valid) for raw, valid in lines if raw.strip()]
    if TALLY:
        with open(TALLY, "a") as tally:
            tally.write(f"{kind} {len(lines)}\n")
    with fresh_store(kind, postgres) as url, tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.jsonl"
        path.write_bytes(b"\n".join(raw for raw, _ in lines) + b"\n")
        code, out, err = run(capsys, "--database", url, "ingest", str(path), "--json")
        assert code in (0, 3), err
        counts = json.loads(out)
        assert counts["accepted"] + counts["duplicates"] + counts["rejected"] == len(lines)
        valid_keys = [(event["source"], event["id"]) for event in (orjson.loads(raw) for raw, valid in lines if valid)]
        ledger = Ingestion(env=persistence_env(url), config=Config())
        try:
            assert set(ledger.ledger.stored_hashes(valid_keys)) == set(valid_keys)
        finally:
            ledger.close()

        code, out, err = run(capsys, "--database", url, "rejects", "--json")
        assert code == 0, err
        rejected = json.loads(out)
        # The same bytes rejected for the same reason twice are kept once.
        assert (len(rejected) > 0) == (counts["rejected"] > 0) and len(rejected) <= counts["rejected"]
        assert all(0 < len(r["reason"]) <= MAX_REASON for r in rejected)
        kept = [base64.b64decode(r["raw_base64"]) if "raw_base64" in r else r["raw"].encode() for r in rejected]
        assert set(kept) <= {raw for raw, valid in lines if not valid}

        code, out, err = run(capsys, "--database", url, "cases", "--json")
        assert code == 0, err
        for case in json.loads(out):
            # After "--": a reference may begin with "-", as any argument of a command line may.
            code, _, err = run(capsys, "--database", url, "case", "--json", "--", case["case_ref"])
            assert code == 0, err
        for name in REPORTS:
            code, _, err = run(capsys, "--database", url, "report", name, "--json")
            assert code == 0, (name, err)
        code, _, err = run(capsys, "--database", url, "replay")
        assert code == 0, err
