"""Runs the detectors over the log, behind the timeline index they read.

Follows the log from its own tracked position; for each batch it finds the
incidents the batch's events touch, evaluates them against the index, and
hands the findings to the case desk, which applies them idempotently. A crash
between the two repeats a batch, which finds its work done, so no case or
factor is recorded twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import structlog

from casetrail.domain.catalogue import CATALOGUE
from casetrail.domain.config import Config
from casetrail.projections import overbooking, payment_failures, procedures, service_signals
from casetrail.projections.case_report import Row, fold_case
from casetrail.projections.findings import Finding
from casetrail.services.case_desk import SOURCE, CaseDesk
from casetrail.services.case_queries import CaseQueries
from casetrail.services.ports import ViewStore
from casetrail.services.sla_clocks import SlaClocks
from casetrail.services.tracking import DETECTORS
from casetrail.services.view_runner import TRACKING_SCHEMA, ViewRunner

log = structlog.get_logger("casetrail.detectors")

NAME = DETECTORS.name
# Detectors record events, not rows: replaying the log does not run them again.
VERSION = DETECTORS.version
# A backlog's entries are read this many positions at a time, and the incidents all its reads touch
# are evaluated once (the index does not change between them), up to EVALUATE_EVERY positions at a time.
DEFAULT_BATCH_SIZE = 50_000
EVALUATE_EVERY = 1_000_000
# A booking or stop-sell longer than this is checked on its first nights only.
MAX_NIGHTS_CHECKED = 62
# Touched nights further apart than this are read separately.
RUN_GAP_DAYS = 31
# Runs of nights, and parties, whose rows are read in one query each: a batch's incidents take a few
# round trips to the store instead of a few for each incident.
RUNS_AT_ONCE = 40
PARTIES_AT_ONCE = 100
# ... and at most this many nights a query: each night's bookings come with their whole histories,
# and a long run of busy nights read at once held hundreds of MB (a query per run or two instead).
# A group's rows are the catch-up's largest transient: 250 nights held some 30 MB on a store of a
# million events, and the arenas they took stayed with the process (docs/performance.md).
NIGHTS_AT_ONCE = 100
# ... and the histories of at most this many bookings at once: a busy night of a big store holds
# hundreds, and 86 such nights read at once took a long stream's process up by 44 MB.
BOOKINGS_AT_ONCE = 1_000
# What the scope needs of an entry. An entry sits at the position of its event's first stored
# copy; the later copies (a stop-sell's other nights, a step's contact) name nothing it looks at.
SCOPE_COLUMNS = "source, type, booking_ref, contact_ref, party_ref, resource, night_from, night_to, update_id"
# The rows a booking's history is built of (``overbooking.history``).
BOOKING_EVENTS = f"type IN ({', '.join('?' * len(overbooking.BOOKING_TYPES))})"


# A resource and a run of its nights.
Run = tuple[str, list[str]]


@dataclass
class Scope:
    """The incidents a batch of events touches."""

    nights: set[tuple[str, str]] = field(default_factory=set)
    payers: set[str] = field(default_factory=set)
    bookings: set[str] = field(default_factory=set)
    contacts: set[str] = field(default_factory=set)
    rebooked: set[str] = field(default_factory=set)  # changed or cancelled
    parties_with_cases: set[str] = field(default_factory=set)
    acknowledged: set[str] = field(default_factory=set)


class DetectorRunner:
    def __init__(self, desk: CaseDesk, store: ViewStore, timeline: ViewRunner, config: Config,
                 batch_size: int = DEFAULT_BATCH_SIZE, evaluate_every: int = EVALUATE_EVERY) -> None:
        self.desk = desk
        self.store = store
        self.timeline = timeline
        self.config = config
        self.cases = CaseQueries(store)
        self.batch_size = batch_size
        self.evaluate_every = evaluate_every
        self.clocks = SlaClocks(desk, store, timeline, config)
        with store.transaction() as cursor:
            cursor.execute(TRACKING_SCHEMA)
            cursor.execute("INSERT INTO casetrail_tracking VALUES (?, 0, ?) ON CONFLICT (view) DO NOTHING",
                           (NAME, VERSION))

    def position(self) -> int:
        return int(self.store.query("SELECT position FROM casetrail_tracking WHERE view = ?", (NAME,))[0][0])

    def catch_up(self) -> int:
        """Evaluate everything the timeline index holds; returns how many case events that recorded."""
        recorded, position, limit = 0, self.position(), self.timeline.position()
        while position < limit:
            end, scope = min(limit, position + self.evaluate_every), Scope()
            for start in range(position, end, self.batch_size):
                _widen(scope, self.store.query(f"SELECT {SCOPE_COLUMNS} FROM timeline_entries "
                                               "WHERE position > ? AND position <= ?",
                                               (start, min(end, start + self.batch_size))))
            for findings in self.evaluate(scope):
                recorded += self.desk.record_findings(findings)
            position = end
            with self.store.transaction() as cursor:
                # Another process may have evaluated further meanwhile: never move back.
                cursor.execute("UPDATE casetrail_tracking SET position = ? WHERE view = ? AND position < ?",
                               (position, NAME, position))
        # The service-level clocks move with time too: they look again even when no event arrived.
        return recorded + self.clocks.catch_up()

    def evaluate(self, scope: Scope) -> Iterator[list[Finding]]:
        """The findings of the incidents ``scope`` touches, in slices recorded one after the other: the
        overbooked nights a group of runs at a time (a backlog's nights held 140 MB of findings at once),
        then the rest together. An overbooking case is its night's alone, so every case still gets its
        events in the order of the findings' openings, as from one list."""
        for found in overbookings(self.cases, self.config, _resource_runs(scope.nights | self._nights_of(scope))):
            yield self._known(found)
        findings = self._payment_failures(sorted(scope.payers))
        findings += self._service_signals(sorted(self._parties_of(scope.contacts) | scope.parties_with_cases))
        # A missed step goes on the case that names the booking: bookings without one are not looked at.
        with_cases = self.cases.rows_of("booking_ref", sorted(scope.bookings), also="type = 'case.opened'")
        for booking_ref in sorted({str(r.booking_ref) for r in with_cases}):
            findings += self._procedures(booking_ref)
        yield self._known(findings)

    def _known(self, findings: list[Finding]) -> list[Finding]:
        """``findings`` with their known times, the reports of all their evidence read at once."""
        evidence = {e for finding in findings for f in finding.factors for e in f.evidence}
        reported = {(row.source, row.source_id): row.reported_at for row in self.cases.events(evidence)}
        return [_with_known_times(finding, reported) for finding in findings]

    def _payment_failures(self, payers: list[str]) -> list[Finding]:
        failures: dict[str, list[Row]] = {}
        for row in self.cases.rows_of("party_ref", payers, also="type = 'payment.failed'"):
            failures.setdefault(str(row.party_ref), []).append(row)
        return [self._in_case_holding_it(found) for party in payers
                for found in payment_failures.detect(party, failures.get(party, []), self.config.windows)]

    def _service_signals(self, parties: list[str]) -> list[Finding]:
        findings = []
        for start in range(0, len(parties), PARTIES_AT_ONCE):
            contacts = self.cases.contacts_of_parties(parties[start : start + PARTIES_AT_ONCE])
            by_contact: dict[str, list[Row]] = {}
            for row in self.cases.rows_of("contact_ref", sorted(set().union(*contacts.values()))):
                by_contact.setdefault(str(row.contact_ref), []).append(row)
            for party, its_contacts in contacts.items():
                rows = [row for contact in its_contacts for row in by_contact.get(contact, [])]
                finding = service_signals.detect(party, rows, self.config.windows)
                findings += [self._in_party_case(finding)] if finding else []
        return findings

    def _nights_of(self, scope: Scope) -> set[tuple[str, str]]:
        """Nights touched indirectly: by changing or cancelling a booking, or by acknowledging a stop-sell."""
        rows = self.cases.rows_of("booking_ref", sorted(scope.rebooked)) + self.cases.rows_of(
            "source_id", sorted(scope.acknowledged))
        resources = {r.booking_ref: r.resource for r in rows if r.type == "booking.created"}
        nights = set()
        for row in rows:
            resource = row.resource or resources.get(row.booking_ref)
            if resource and row.night_from and row.night_to:  # only types naming nights have them
                nights |= {(resource, night) for night in _nights(row.night_from, row.night_to)}
        return nights

    def _parties_of(self, contacts: set[str]) -> set[str]:
        # Only the openings name the party: the contacts' other rows would be read for nothing.
        started = self.cases.rows_of("contact_ref", sorted(contacts), also="type = 'contact.started'")
        return {r.party_ref for r in started if r.party_ref}

    def _in_case_holding_it(self, finding: Finding) -> Finding:
        """A run of failures found again with an earlier failure that arrived late belongs
        in the case that already holds some of its failures, not in a second one."""
        linked = self.cases.rows("type = 'case.linked' AND source = ? AND party_ref = ? AND case_ref LIKE ?",
                                 [SOURCE, finding.party_refs[0], finding.case_ref.split("-")[0] + "-%"])
        evidence = set(finding.evidence)
        holding = sorted(str(r.case_ref) for r in linked
                         if evidence & {(e["source"], e["id"]) for e in r.data.get("evidence", [])})
        return replace(finding, existing_case_ref=holding[0]) if holding and holding[0] != finding.case_ref else finding

    def _in_party_case(self, finding: Finding) -> Finding:
        """Service signals go on the party's own service case once it has one; before that, on
        the helpdesk case that was open when the first signal happened; else on a new case."""
        if self.cases.rows("case_ref = ? AND type = 'case.opened'", [finding.case_ref]):
            return finding
        first = min(f.at for f in finding.factors)
        for row in sorted(self.cases.rows("type = 'case.opened' AND party_ref = ?", [finding.party_refs[0]]),
                          key=lambda r: r.order):
            history = self.cases.rows("case_ref = ? AND type LIKE 'case.%' AND occurred_at <= ?", [row.case_ref, first])
            state = fold_case(str(row.case_ref), history)
            if state.opened_at is not None and state.status == "open":
                return replace(finding, existing_case_ref=state.case_ref)
        return finding

    def _procedures(self, booking_ref: str) -> list[Finding]:
        rows = self.cases.rows_of("booking_ref", [booking_ref])
        cases = sorted({str(r.case_ref) for r in rows if r.type == "case.opened"})
        if not cases:
            return []  # a missed step is added to the booking's case; with no case there is nowhere to add it
        case_rows = self.cases.rows_of("case_ref", cases)
        latest = max([*rows, *case_rows], key=lambda r: r.order)
        steps = [r for r in rows if r.type == "procedure.step"]
        found = []
        for trigger in (r for r in rows if r.type == "booking.created"):
            for name, procedure in sorted(self.config.procedures.items()):
                finding = procedures.detect(name, procedure, trigger, steps, latest, cases[0])
                found += [finding] if finding else []
        return found


def _with_known_times(finding: Finding, reported: dict[tuple[str, str], str]) -> Finding:
    """Each factor was known once all its evidence had been reported, and the case
    once its first factor was: times that do not depend on when the detector ran."""
    factors = tuple(replace(f, known_at=max([f.at, *(reported[e] for e in f.evidence if e in reported)]))
                    for f in finding.factors)
    opening = min(factors, key=lambda f: (f.at, f.known_at))
    return replace(finding, factors=factors, known_at=opening.known_at)


def overbookings(cases: CaseQueries, config: Config, runs: list[Run]) -> Iterator[list[Finding]]:
    """The findings of the overbooked nights of ``runs``, in the order of their resource and night, a
    group of runs at a time: a booking that holds many of a group's nights is read, and its history
    built, once."""
    for group in _groups(runs):
        found = (overbooking.detect(facts, config.windows) for facts in _runs_facts(cases, config, group))
        yield [finding for finding in found if finding is not None]


def _groups(runs: list[Run]) -> Iterator[list[Run]]:
    """``runs`` in order, in groups of at most ``RUNS_AT_ONCE`` runs and ``NIGHTS_AT_ONCE`` nights; a
    longer run is cut in pieces. Each night's facts are read whole in its piece, so the cut changes
    what is read at once, never what is found."""
    group: list[Run] = []
    nights = 0
    for resource, run in runs:
        for start in range(0, len(run), NIGHTS_AT_ONCE):
            piece = run[start : start + NIGHTS_AT_ONCE]
            if group and (len(group) == RUNS_AT_ONCE or nights + len(piece) > NIGHTS_AT_ONCE):
                yield group
                group, nights = [], 0
            group.append((resource, piece))
            nights += len(piece)
    if group:
        yield group


def _runs_facts(cases: CaseQueries, config: Config, runs: list[Run]) -> Iterator[overbooking.NightFacts]:
    """What the index knows of each night of ``runs``, in their order."""
    spans = [(resource, nights[0], nights[-1]) for resource, nights in runs]
    booked_by_span, inventory_by_span = cases.bookings_by_nights(spans), cases.inventory_by_nights(spans)
    updates = sorted({r.source_id for inventory in inventory_by_span for rows in inventory.values()
                      for r in rows if r.type == "inventory.closed"})
    acknowledgements: dict[str, list[Row]] = {}
    for row in cases.rows_of("update_id", updates):
        acknowledgements.setdefault(str(row.update_id), []).append(row)
    nights = [_Night(resource, night, booked.get(night, set()), inventory.get(night, []))
              for (resource, run), booked, inventory in zip(runs, booked_by_span, inventory_by_span, strict=True)
              for night in run]
    for piece in _by_bookings(nights):
        histories = _histories(cases, config, set().union(*(n.bookings for n in piece)))
        for n in piece:
            stop_sells = [r for r in n.inventory if r.type == "inventory.closed"]
            yield overbooking.NightFacts(
                resource=n.resource, night=n.night,
                availability=[r for r in n.inventory if r.type == "inventory.set"],
                stop_sells=stop_sells,
                reopenings=[r for r in n.inventory if r.type == "inventory.opened"],
                acknowledgements=[a for update in sorted({r.source_id for r in stop_sells})
                                  for a in acknowledgements.get(update, [])],
                bookings=[histories[ref] for ref in sorted(n.bookings) if ref in histories],
            )


@dataclass(frozen=True)
class _Night:
    """A night of a run as the index lists it: the bookings that hold it and its inventory updates."""

    resource: str
    night: str
    bookings: set[str]
    inventory: list[Row]


def _by_bookings(nights: list[_Night]) -> Iterator[list[_Night]]:
    """``nights`` in order, cut so that a piece's nights hold at most ``BOOKINGS_AT_ONCE`` bookings
    (a night is never cut). A booking on both sides of a cut is read for each: the cut changes what
    is read at once, never what is found."""
    piece: list[_Night] = []
    held: set[str] = set()
    for night in nights:
        if piece and not night.bookings <= held and len(held | night.bookings) > BOOKINGS_AT_ONCE:
            yield piece
            piece, held = [], set()
        piece.append(night)
        held |= night.bookings
    if piece:
        yield piece


def _histories(cases: CaseQueries, config: Config, refs: set[str]) -> dict[str, overbooking.BookingHistory]:
    """The histories of the bookings ``refs`` that have one, built of the bookings' own events (their
    contacts, payments and cases would be read and dropped: docs/performance.md)."""
    by_booking: dict[str, list[Row]] = {}
    for row in cases.rows_of("booking_ref", sorted(refs), also=BOOKING_EVENTS, also_params=overbooking.BOOKING_TYPES):
        by_booking.setdefault(str(row.booking_ref), []).append(row)
    return {ref: found for ref, booking_rows in by_booking.items()
            if (found := overbooking.history(booking_rows, config.departments)) is not None}


def _resource_runs(nights: set[tuple[str, str]]) -> list[Run]:
    """Each resource's sorted nights, cut into runs (``_runs``)."""
    by_resource: dict[str, list[str]] = {}
    for resource, night in sorted(nights):
        by_resource.setdefault(resource, []).append(night)
    return [(resource, run) for resource, wanted in by_resource.items() for run in _runs(wanted)]


def _widen(scope: Scope, entries: list[tuple[Any, ...]]) -> None:
    """Add the incidents timeline ``entries`` (``SCOPE_COLUMNS``) touch to ``scope``."""
    for source, kind, booking_ref, contact_ref, party_ref, resource, first, last, update_id in entries:
        if source == SOURCE:
            continue  # the detectors' own work
        entry = CATALOGUE.get(kind)
        concerns = entry.concerns if entry else frozenset()  # what the detectors look at this type for
        if "nights" in concerns and resource and first and last:
            scope.nights.update((resource, night) for night in _nights(first, last))
        if "rebooked" in concerns and booking_ref:
            scope.rebooked.add(booking_ref)
        if "acknowledged" in concerns and update_id:
            scope.acknowledged.add(update_id)
        if "payers" in concerns and party_ref:
            scope.payers.add(party_ref)
        if "contacts" in concerns and contact_ref:
            scope.contacts.add(contact_ref)
        if "parties_with_cases" in concerns and party_ref:
            scope.parties_with_cases.add(party_ref)
        if booking_ref:
            scope.bookings.add(booking_ref)


def _runs(nights: list[str]) -> list[list[str]]:
    """Sorted nights cut where a month or more lies between two, so that no read spans the gap."""
    runs: list[list[str]] = []
    for night in nights:
        if runs and (date.fromisoformat(night) - date.fromisoformat(runs[-1][-1])).days <= RUN_GAP_DAYS:
            runs[-1].append(night)
        else:
            runs.append([night])
    return runs


@lru_cache(maxsize=100_000)  # stays of the same dates come back again and again
def _nights(first: str, last: str) -> tuple[str, ...]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    count = min((end - start).days + 1, MAX_NIGHTS_CHECKED)
    return tuple((start + timedelta(days=n)).isoformat() for n in range(count))
