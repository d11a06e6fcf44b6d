"""A store the previous release wrote reads, replays and reports as it did then (tests/data/release-0.1.0).

The answers are computed in a process started outside the repository, as an installed casetrail
runs: there the folders are reachable only as ``casetrail.*``, so an old topic such as
``domain.booking:Booking.Created`` resolves through its registered alias or not at all.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

RELEASE = Path(__file__).resolve().parent / "data" / "release-0.1.0"

ANSWERS = """
import contextlib, io, json, sys
from casetrail.adapters.cli.main import main

def answer(*args):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["--database", sys.argv[1], *args, "--json"])
    assert code == 0, args
    return json.loads(out.getvalue())

def answers():
    cases = answer("cases")
    return {
        "cases": cases,
        "case": {c["case_ref"]: answer("case", c["case_ref"]) for c in cases},
        "reports": {name: answer("report", name, "--from", "2019-01-01", "--to", "2024-12-31")
                    for name in ("weekly", "monthly", "top-issues", "outstanding", "departments")},
        "rejects": answer("rejects"),
    }

for step in sys.argv[2:]:
    if step == "answers":
        print(json.dumps(answers()))
    elif step == "resolve":
        assert main(["--database", sys.argv[1], "resolve", "MS-1041", "--resolution", "refunded", "--by", "lead-9"]) == 0
    elif step == "MS-1041":
        print(json.dumps(answer("case", "MS-1041")))
    else:
        answer(step)
assert "domain" not in sys.modules, "the repository's folders were imported as top-level packages"
"""


@pytest.fixture
def release_store(tmp_path: Path) -> str:
    shutil.copy(RELEASE / "store.sqlite3", tmp_path / "store.sqlite3")
    return f"sqlite:///{tmp_path / 'store.sqlite3'}"


def run_outside(tmp_path: Path, url: str, *steps: str) -> list[Any]:
    done = subprocess.run([sys.executable, "-c", ANSWERS, url, *steps], check=False, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith(("{", "["))]


def as_released(answer: Any, released: Any) -> Any:
    """``answer`` with only the fields the release's answer has: fields may be added within a version
    of the contract (``cases-v1.md``), never renamed or removed."""
    if isinstance(released, dict) and isinstance(answer, dict):
        return {key: as_released(answer[key], value) if key in answer else "(missing)"
                for key, value in released.items()}
    if isinstance(released, list) and isinstance(answer, list) and len(answer) == len(released):
        return [as_released(item, value) for item, value in zip(answer, released, strict=True)]
    return answer


def test_a_release_store_answers_as_the_release_did_before_and_after_a_replay(
        tmp_path: Path, release_store: str) -> None:
    expected = json.loads((RELEASE / "answers.json").read_text())
    before, after = run_outside(tmp_path, release_store, "answers", "replay", "answers")
    assert as_released(before, expected) == expected
    assert as_released(after, expected) == expected
    assert before == after


def test_a_release_store_takes_new_decisions_beside_its_old_events(tmp_path: Path, release_store: str) -> None:
    resolved, replayed = run_outside(tmp_path, release_store, "resolve", "MS-1041", "replay", "MS-1041")
    assert resolved["status"] == "resolved"
    assert replayed == resolved
