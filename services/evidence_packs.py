"""Evidence packs: one case's report and the stored bytes behind it, provably in the log.

A pack is one HTML file that anyone can open: a readable summary of the case, and, in a
``<script type="application/json">`` block, the case report, the stored bytes of every timeline
entry and every factor's evidence, each with an inclusion proof (RFC 9162) to a signed
checkpoint, the checkpoint, the verifier key and a signature over all of it. ``casetrail
verify-pack`` checks it offline: the signatures, each proof against the checkpoint's root, that
each stored event is the one the report names, and that the summary is the one the data renders.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from casetrail.services.chain import LoggedEvent, canonical_bytes
from casetrail.services.checkpoints import (
    Checkpoint,
    CheckpointError,
    open_note,
    parse_verifier_key,
    sign,
    verifier_key,
)
from casetrail.services.merkle import MerkleTree, leaf_hash, verify_inclusion
from casetrail.services.ports import ChainedLog, ViewStore
from casetrail.services.verification import logged_events

FORMAT = "casetrail-evidence-pack/1"
_DATA_OPEN = '<script type="application/json" id="casetrail-evidence">'
_DATA_CLOSE = "</script>"


class PackError(ValueError):
    """A pack that cannot be read, or whose proof does not hold: names the first thing that fails."""


@dataclass(frozen=True)
class ProvenEvent:
    """A stored event the case names, with its place among the checkpoint's leaves."""

    source: str
    id: str
    event: LoggedEvent
    leaf_index: int
    proof: list[bytes]


def referenced(report: dict[str, Any]) -> list[tuple[str, str]]:
    """The (source, id) of every timeline entry and every factor's evidence, each once, in report order."""
    keys = [(entry["source"], entry["id"]) for entry in report["timeline"]]
    keys += [(cited["source"], cited["id"]) for factor in report["factors"] for cited in factor["evidence"]]
    return list(dict.fromkeys(keys))


def pack_document(report: dict[str, Any], proven: list[ProvenEvent], note: str, name: str,
                  key: Ed25519PrivateKey) -> dict[str, Any]:
    """The pack's data, signed whole: the report is casetrail's reading of the events, and the
    signature binds it, as the proofs bind the events."""
    document = {
        "format": FORMAT,
        "case": report,
        "checkpoint": note,
        "key": verifier_key(name, key.public_key()),
        "events": [{"source": p.source, "id": p.id, "position": p.event.position,
                    "stream_id": str(p.event.stream_id), "version": p.event.version, "topic": p.event.topic,
                    "state": base64.b64encode(p.event.state).decode(), "leaf_index": p.leaf_index,
                    "proof": [step.hex() for step in p.proof]} for p in proven],
    }
    return signed(document, key)


def signed(document: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    return {**document, "signature": base64.b64encode(key.sign(_signed_bytes(document))).decode()}


def _signed_bytes(document: dict[str, Any]) -> bytes:
    unsigned = {name: value for name, value in document.items() if name != "signature"}
    return json.dumps(unsigned, sort_keys=True, ensure_ascii=True, separators=(",", ":")).encode()


def render_pack(document: dict[str, Any]) -> str:
    """The pack's file: the summary a person reads, and the data it was rendered from."""
    data = json.dumps(document, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    # Inside a script element only "</script" ends the data: these escapes keep any text from doing so.
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return (f'<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>Evidence pack: case {_text(document['case']['case_ref'])}</title>\n"
            "<style>body{font-family:sans-serif;max-width:70em;margin:2em auto;line-height:1.4}"
            "table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2em .5em;vertical-align:top;"
            "text-align:left}code{word-break:break-all}</style>\n</head>\n<body>\n"
            f"{_summary(document)}{_DATA_OPEN}{data}{_DATA_CLOSE}\n</body>\n</html>\n")


def _text(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _summary(document: dict[str, Any]) -> str:
    case = document["case"]
    lines = [f"<h1>Evidence pack: case {_text(case['case_ref'])}</h1>",
             f"<p>{_text(case['category'])}, {_text(case['status'])}; opened {_text(case['opened_at'])} "
             f"by {_text(case['opened_by'])}.</p>",
             "<p>Every event below is stored in the log this checkpoint signs; "
             "<code>casetrail verify-pack</code> checks each proof, the signature, and this summary.</p>",
             f"<pre>{_text(document['checkpoint'])}</pre>",
             f"<p>Verifier key: <code>{_text(document['key'])}</code></p>",
             "<h2>Contributing factors</h2>", "<table>",
             "<tr><th>factor</th><th>department</th><th>status</th><th>explanation</th><th>evidence</th></tr>"]
    for factor in case["factors"]:
        cited = "<br>".join(_text(f"{c['source']}#{c['id']}") for c in factor["evidence"])
        lines.append(f"<tr><td>{_text(factor['code'])}</td><td>{_text(factor['department'])}</td>"
                     f"<td>{_text(factor['status'])}</td><td>{_text(factor['explanation'])}</td><td>{cited}</td></tr>")
    lines += ["</table>", "<h2>Timeline</h2>", "<table>",
              "<tr><th>occurred</th><th>department</th><th>what</th><th>event</th><th>log position</th></tr>"]
    positions = {(e["source"], e["id"]): e["position"] for e in document["events"]}
    for entry in case["timeline"]:
        lines.append(f"<tr><td>{_text(entry['occurred_at'])}</td><td>{_text(entry['department'])}</td>"
                     f"<td>{_text(entry['summary'])}</td><td>{_text(entry['source'] + '#' + entry['id'])}</td>"
                     f"<td>{_text(positions.get((entry['source'], entry['id'])))}</td></tr>")
    lines.append("</table>")
    return "\n".join(lines) + "\n"


def read_pack(text: str) -> dict[str, Any]:
    start = text.find(_DATA_OPEN)
    end = text.find(_DATA_CLOSE, start + len(_DATA_OPEN)) if start >= 0 else -1
    if start < 0 or end < 0:
        raise PackError("pack: no casetrail evidence data in this file")
    try:
        document = json.loads(text[start + len(_DATA_OPEN):end])
    except json.JSONDecodeError as error:
        raise PackError(f"pack: its data is not JSON ({error})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise PackError(f"pack: not a {FORMAT} document")
    return document


def check_pack(text: str, trusted_key: str | None = None) -> tuple[dict[str, Any], int]:
    """The pack's document and how many stored events it proves, once every check holds."""
    document = read_pack(text)
    try:
        if trusted_key is not None and trusted_key.strip() != document["key"]:
            raise PackError("pack: signed by another key than the one given")
        name, public = parse_verifier_key(document["key"])
        try:
            public.verify(base64.b64decode(document["signature"], validate=True), _signed_bytes(document))
        except InvalidSignature:
            raise PackError("pack: its signature does not hold (the report or its events were altered)") from None
        checkpoint = open_note(document["checkpoint"], name, public)
        events = {}
        for number, item in enumerate(document["events"], start=1):
            where = f"pack: event {number} ({item['source']}#{item['id']})"
            event = LoggedEvent(int(item["position"]), UUID(item["stream_id"]), int(item["version"]),
                                str(item["topic"]), base64.b64decode(item["state"], validate=True))
            proof = [bytes.fromhex(step) for step in item["proof"]]
            if not verify_inclusion(int(item["leaf_index"]), checkpoint.size, leaf_hash(canonical_bytes(event)),
                                    proof, checkpoint.root):
                raise PackError(f"{where}: its proof does not lead to the checkpoint's root")
            _check_names(where, item, event)
            events[(item["source"], item["id"])] = event
        for entry in document["case"]["timeline"]:
            key = (entry["source"], entry["id"])
            if key not in events:
                raise PackError(f"pack: timeline entry {key[0]}#{key[1]} has no stored event in the pack")
            _check_entry(f"pack: timeline entry {key[0]}#{key[1]}", entry, events[key])
        for source, id_ in referenced(document["case"]):
            if (source, id_) not in events:
                raise PackError(f"pack: evidence {source}#{id_} has no stored event in the pack")
    except CheckpointError as error:
        raise PackError(f"pack: {error}") from None
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        if isinstance(error, PackError):
            raise
        raise PackError(f"pack: malformed data ({type(error).__name__}: {error})") from None
    if render_pack(document) != text:
        raise PackError("pack: its summary is not the one its data renders (the file was altered)")
    return document, len(events)


def _provenance(where: str, event: LoggedEvent) -> dict[str, Any]:
    try:
        state = json.loads(event.state)
        provenance = state["provenance"]
        assert isinstance(provenance, dict)
        return provenance
    except (ValueError, KeyError, AssertionError, TypeError):
        raise PackError(f"{where}: its stored bytes name no source") from None


def _check_names(where: str, item: dict[str, Any], event: LoggedEvent) -> None:
    provenance = _provenance(where, event)
    if (provenance.get("source"), provenance.get("id")) != (item["source"], item["id"]):
        raise PackError(f"{where}: its stored bytes are those of another event")


def _check_entry(where: str, entry: dict[str, Any], event: LoggedEvent) -> None:
    provenance = _provenance(where, event)
    if provenance.get("type") != entry["type"]:
        raise PackError(f"{where}: the report says {entry['type']!r}, the stored event {provenance.get('type')!r}")
    stored = datetime.fromisoformat(str(provenance.get("occurred_at")))
    if stored != datetime.fromisoformat(entry["occurred_at"]):
        raise PackError(f"{where}: the report says it occurred at {entry['occurred_at']}, the stored event at "
                        f"{provenance.get('occurred_at')}")


def prove(log: ChainedLog, positions: dict[tuple[str, str], int],
          on_read: Callable[[int], None] = lambda _: None) -> tuple[Checkpoint, list[ProvenEvent]]:
    """The log's checkpoint as it is (unsigned, origin left to the signer) and each named event
    with its inclusion proof. Holds one 32-byte hash per event of the log, nothing more."""
    wanted: dict[int, list[tuple[str, str]]] = {}
    for key, position in positions.items():
        wanted.setdefault(position, []).append(key)
    leaves, found = bytearray(), []
    for event in logged_events(log, on_read):
        if event.position in wanted:
            found += [(key, len(leaves) // 32, event) for key in wanted[event.position]]
        leaves += leaf_hash(canonical_bytes(event))
    tree = MerkleTree(bytes(leaves))
    missing = sorted(set(positions.values()) - {event.position for _, _, event in found})
    if missing:
        raise PackError(f"pack: position {missing[0]} is not in the log")
    return (Checkpoint("", tree.size, tree.root()),
            [ProvenEvent(key[0], key[1], event, index, tree.inclusion_proof(index)) for key, index, event in found])


@dataclass(frozen=True)
class ExportedPack:
    text: str
    events: int
    log_size: int


def export_pack(report: dict[str, Any], store: ViewStore, log: ChainedLog, name: str, key: Ed25519PrivateKey,
                on_read: Callable[[int], None] = lambda _: None) -> ExportedPack:
    """The pack of a case's report: its events proven against a checkpoint of the log signed now."""
    tree, proven = prove(log, entry_positions(store, referenced(report)), on_read)
    note = sign(Checkpoint(name, tree.size, tree.root), name, key)
    return ExportedPack(render_pack(pack_document(report, proven, note, name, key)), len(proven), tree.size)


def entry_positions(store: ViewStore, keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Where in the log each named event was first stored, from the timeline index."""
    found: dict[tuple[str, str], int] = {}
    for source, id_ in keys:
        rows = store.query("SELECT position FROM timeline_entries WHERE source = ? AND source_id = ?", (source, id_))
        if not rows:
            raise PackError(f"pack: {source}#{id_} is not in the timeline index; run `casetrail replay`")
        found[(source, id_)] = int(rows[0][0])
    return found
