"""Evidence packs exported from real stores, checked offline in a process with no database, and
the verifier attacked: each forgery refused with what fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from casetrail.services.checkpoints import Checkpoint, open_note, parse_verifier_key, sign, verifier_key
from casetrail.services.evidence_packs import read_pack, render_pack, signed
from tests.conftest import SCENARIOS
from tests.test_cli import casetrail

CASE_OF_THE_FIRST_SAMPLE = "overbooking"


@pytest.fixture
def pack(database_url: str, signing: Path, tmp_path: Path) -> Path:
    done = casetrail("--database", database_url, "ingest", *map(str, sorted(SCENARIOS.glob("*.jsonl"))))
    assert done.returncode == 0, done.stderr
    cases = json.loads(casetrail("--database", database_url, "cases", "--json").stdout)
    case_ref = next(c["case_ref"] for c in cases if c["category"] == CASE_OF_THE_FIRST_SAMPLE)
    out = tmp_path / "pack.html"
    exported = casetrail("--config", str(signing), "--database", database_url, "export", case_ref, "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    return out


def verify_offline(path: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    """In a fresh process, in an empty folder, with no database or configuration named anywhere."""
    folder = path.parent / "elsewhere"
    folder.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASETRAIL_")}
    done = subprocess.run([sys.executable, "-m", "casetrail", "verify-pack", str(path), "--json", *flags],
                          check=False, cwd=folder, env=env, capture_output=True, text=True, timeout=120)
    assert list(folder.iterdir()) == []  # no database made
    return done


def the_key(signing_config: Path) -> Ed25519PrivateKey:
    key = load_pem_private_key((signing_config.parent / "signing.pem").read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


def refused(path: Path, *flags: str) -> str:
    done = verify_offline(path, *flags)
    assert done.returncode == 1, done.stdout + done.stderr
    answer = json.loads(done.stdout)
    assert answer["holds"] is False
    return str(answer["problem"])


def test_a_pack_holds_offline_with_every_timeline_entry_and_evidence_proven(pack: Path, signing: Path) -> None:
    document = read_pack(pack.read_text())
    timeline = {(e["source"], e["id"]) for e in document["case"]["timeline"]}
    evidence = {(c["source"], c["id"]) for f in document["case"]["factors"] for c in f["evidence"]}
    assert {(e["source"], e["id"]) for e in document["events"]} == timeline | evidence
    key = verifier_key("casetrail.example/hotels", the_key(signing).public_key())
    done = verify_offline(pack, "--key", key)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout) == {"holds": True, "case_ref": document["case"]["case_ref"],
                                       "events": len(timeline | evidence), "key": key, "key_given": True}


def test_the_summary_escapes_the_cases_text(pack: Path) -> None:
    text = pack.read_text()
    summary = text[:text.index('<script type="application/json"')]
    assert "<script" not in summary.lower()


def forged(pack: Path, signing: Path, change: Callable[[dict[str, Any]], None], resign: bool = True) -> Path:
    document = read_pack(pack.read_text())
    change(document)
    if resign:
        document = signed(document, the_key(signing))
    out = pack.parent / "forged.html"
    out.write_text(render_pack(document))
    return out


def test_an_altered_summary_is_refused(pack: Path) -> None:
    text = pack.read_text()
    out = pack.parent / "altered.html"
    out.write_text(text.replace("<h2>Timeline</h2>", "<h2>Timeline (abridged)</h2>", 1))
    assert "summary is not the one its data renders" in refused(out)


def test_an_altered_report_is_refused_by_the_packs_signature(pack: Path, signing: Path) -> None:
    def blame_the_hotel(document: dict[str, Any]) -> None:
        document["case"]["factors"][0]["department"] = "front_office"

    assert "signature does not hold" in refused(forged(pack, signing, blame_the_hotel, resign=False))


def test_a_proof_for_another_position_is_refused(pack: Path, signing: Path) -> None:
    def swap_proofs(document: dict[str, Any]) -> None:
        first, second = document["events"][0], document["events"][1]
        first["proof"], second["proof"] = second["proof"], first["proof"]
        first["leaf_index"], second["leaf_index"] = second["leaf_index"], first["leaf_index"]

    assert "proof does not lead to the checkpoint's root" in refused(forged(pack, signing, swap_proofs))


def test_a_proof_of_the_wrong_length_is_refused(pack: Path, signing: Path) -> None:
    def shorten(document: dict[str, Any]) -> None:
        document["events"][0]["proof"] = document["events"][0]["proof"][:-1]

    def lengthen(document: dict[str, Any]) -> None:
        document["events"][0]["proof"] = [*document["events"][0]["proof"], "00" * 32]

    assert "proof does not lead" in refused(forged(pack, signing, shorten))
    assert "proof does not lead" in refused(forged(pack, signing, lengthen))


def test_changed_stored_bytes_are_refused_even_when_the_pack_is_signed_again(pack: Path, signing: Path) -> None:
    def restate(document: dict[str, Any]) -> None:
        import base64

        event = document["events"][0]
        state = json.loads(base64.b64decode(event["state"]))
        state["provenance"]["occurred_at"] = "2019-06-21T11:00:00+07:00"
        event["state"] = base64.b64encode(json.dumps(state).encode()).decode()

    assert "proof does not lead" in refused(forged(pack, signing, restate))


def test_a_checkpoint_signed_by_another_key_is_refused_against_the_trusted_key(pack: Path, signing: Path) -> None:
    trusted = verifier_key("casetrail.example/hotels", the_key(signing).public_key())
    other = Ed25519PrivateKey.generate()

    def sign_with_another_key(document: dict[str, Any]) -> None:
        name, public = parse_verifier_key(document["key"])
        checkpoint = open_note(document["checkpoint"], name, public)
        document["checkpoint"] = sign(Checkpoint(name, checkpoint.size, checkpoint.root), name, other)
        document["key"] = verifier_key(name, other.public_key())

    document = read_pack(pack.read_text())
    sign_with_another_key(document)
    out = pack.parent / "other-key.html"
    out.write_text(render_pack(signed(document, other)))
    assert "signed by another key than the one given" in refused(out, "--key", trusted)


def test_an_event_standing_in_for_another_is_refused(pack: Path, signing: Path) -> None:
    def stand_in(document: dict[str, Any]) -> None:
        first, second = document["events"][0], document["events"][1]
        for field in ("position", "stream_id", "version", "topic", "state", "leaf_index", "proof"):
            first[field] = second[field]

    assert "stored bytes are those of another event" in refused(forged(pack, signing, stand_in))


def test_a_file_that_is_not_a_pack_is_named(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text("<html><body>hello</body></html>")
    assert "no casetrail evidence data" in refused(tmp_path / "page.html")
