"""Answers about cases, read from the timeline index.

``as_of`` keeps what had occurred by then, ``known_at`` what had been reported
by then; together they replay an incident as an auditor asks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from casetrail.domain import ids
from casetrail.domain.errors import CaseNotFound
from casetrail.domain.escalation import DEFAULT_LEVELS
from casetrail.projections.case_report import CaseState, Row, case_summary, effort, fold_case, proactive, timeline_entry
from casetrail.projections.recorded import instant_of, moment_of
from casetrail.projections.timeline import COLUMNS, INVENTORY_UPDATES
from casetrail.services.ports import ViewReader

SELECT = f"SELECT {', '.join(COLUMNS)} FROM timeline_entries"
ON_NIGHTS = (f"{', '.join('t.' + c for c in COLUMNS)} FROM timeline_nights n "
             "JOIN timeline_entries t ON t.source = n.source AND t.source_id = n.source_id")
# A party's payment attempts, bookings and contacts this close to a case belong on its timeline.
AROUND_CASE = timedelta(hours=24)
# A resource, and the first and last of a run of its nights.
Span = tuple[str, str, str]
# Values in one IN list: within every SQLite build's limit on parameters.
IN_CHUNK = 500


@dataclass(frozen=True)
class Moment:
    as_of: datetime | None = None
    known_at: datetime | None = None

    def admits(self, row: Row) -> bool:
        return ((self.as_of is None or row.occurred_at <= instant_of(self.as_of))
                and (self.known_at is None or row.reported_at <= instant_of(self.known_at)))

    def clause(self) -> tuple[str, list[Any]]:
        sql, params = "", list[Any]()
        if self.as_of is not None:
            sql, params = sql + " AND occurred_at <= ?", params + [instant_of(self.as_of)]
        if self.known_at is not None:
            sql, params = sql + " AND reported_at <= ?", params + [instant_of(self.known_at)]
        return sql, params


class CaseQueries:
    def __init__(self, store: ViewReader, escalation_levels: Sequence[str] = DEFAULT_LEVELS) -> None:
        self.store = store
        self.escalation_levels = escalation_levels  # lowest first, as the configuration lists them

    def rows(self, where: str, params: Sequence[Any], moment: Moment = Moment()) -> list[Row]:
        time_sql, time_params = moment.clause()
        return [Row(*r) for r in self.store.query(f"{SELECT} WHERE {where}{time_sql}", [*params, *time_params])]

    def bookings_by_nights(self, spans: Sequence[Span]) -> list[dict[str, set[str]]]:
        """For each span (a resource, its first and last night), the bookings created for or moved to
        each of its nights (a change of dates names no resource: filed under ''): their references
        only, for the detectors. One query for all the spans."""
        found: list[dict[str, set[str]]] = [{} for _ in spans]
        # Each span twice, its resource's nights and then the undated ones: rows of span n come as 2n and 2n + 1.
        with_undated = [span for resource, first, last in spans for span in ((resource, first, last), ("", first, last))]
        for span, night, booking_ref in self.store.query(
                f"{_spans_table(with_undated)} SELECT s.span, n.night, t.booking_ref FROM spans s "
                "JOIN timeline_nights n ON n.resource = s.resource AND n.night BETWEEN s.first_night AND s.last_night "
                "JOIN timeline_entries t ON t.source = n.source AND t.source_id = n.source_id "
                "WHERE t.type IN ('booking.created', 'booking.modified')", _span_params(with_undated)):
            found[span // 2].setdefault(night, set()).add(str(booking_ref))
        return found

    def inventory_by_nights(self, spans: Sequence[Span]) -> list[dict[str, list[Row]]]:
        """For each span, the inventory updates of each of its nights, in the order of the nights'
        key (night, source, id) so that a night's evidence is listed the same way on every store."""
        found: list[dict[str, list[Row]]] = [{} for _ in spans]
        for span, night, *columns in self.store.query(
                f"{_spans_table(spans)} SELECT s.span, n.night, {ON_NIGHTS} JOIN spans s ON n.resource = s.resource "
                "AND n.night BETWEEN s.first_night AND s.last_night WHERE t.type >= 'inventory.' AND t.type < 'inventory/' "
                "ORDER BY s.span, n.night, n.source, n.source_id", _span_params(spans)):
            row = Row(*columns)
            if row.resource == spans[span][0]:
                found[span].setdefault(night, []).append(row)
        return found

    def case_refs(self) -> list[str]:
        return [r[0] for r in self.store.query(
            "SELECT DISTINCT case_ref FROM timeline_entries WHERE type = 'case.opened'")]

    def list_cases(self, status: str | None = None, category: str | None = None,
                   department: str | None = None) -> list[dict[str, Any]]:
        by_case: dict[str, list[Row]] = {}
        for row in self.rows("type >= 'case.' AND type < 'case/'", []):  # a range, so the type index serves
            by_case.setdefault(str(row.case_ref), []).append(row)
        summaries = []
        for case_ref, case_rows in by_case.items():
            state = fold_case(case_ref, case_rows)
            if state.opened_at is None:
                continue
            summary = case_summary(state)
            if status and summary["status"] != status or category and summary["category"] != category:
                continue
            if department and department not in summary["departments"]:
                continue
            summaries.append(summary)
        return sorted(summaries, key=lambda s: (s["opened_at"], s["case_ref"]))

    def resolve(self, case: str) -> str:
        """A case_ref from either a case_ref or a case id."""
        if self.rows("case_ref = ? AND type = 'case.opened'", [case]):
            return case
        for case_ref in self.case_refs():
            if case == str(ids.case_id(case_ref)):
                return case_ref
        raise CaseNotFound(f"case {case}: no such case")

    def case_report(self, case: str, moment: Moment = Moment(), personal: bool = True) -> dict[str, Any]:
        return self.case_state_and_report(case, moment, personal)[1]

    def case_state_and_report(self, case: str, moment: Moment = Moment(), personal: bool = True
                              ) -> tuple[CaseState, dict[str, Any]]:
        """The case as it stood (``as_of``) and as it was known (``known_at``); with ``personal`` False,
        without a party's personal text (``[withheld]``).

        Which events belong to the case is decided by what is known now, so an
        incident can be replayed from before the case was opened; the entries
        shown and the case's own state are those of the moment asked about.
        """
        case_ref = self.resolve(case)
        all_case_rows = self.rows("case_ref = ? AND type LIKE 'case.%'", [case_ref])
        incident = fold_case(case_ref, all_case_rows)
        case_rows = [r for r in all_case_rows if moment.admits(r)]
        state = fold_case(case_ref, case_rows)
        linked = [r for r in self._linked_rows(incident) if moment.admits(r)]
        contact_rows = [r for r in linked if r.contact_ref and r.type.startswith("contact.")]
        shown = [r for r in [*case_rows, *linked] if r.type != "case.linked"]  # bookkeeping, seen in subjects
        timeline = sorted({(r.source, r.source_id): r for r in shown}.values(), key=lambda r: r.order)
        report = case_summary(state)
        del report["departments"]
        if state.opened_at is None:
            report["status"] = "not_opened"  # at that moment; the incident's events are shown all the same
        report.update({
            "opened_by": state.opened_by,
            "proactive": proactive(state, contact_rows),
            "subjects": {
                "booking_refs": sorted(incident.booking_refs),
                "party_refs": sorted(incident.party_refs),
                "erased_party_refs": self.erased_parties(sorted(incident.party_refs)),
                "resources": sorted({r.resource for r in linked if r.resource and r.booking_ref}),
                "contact_refs": sorted({r.contact_ref for r in contact_rows if r.contact_ref}),
            },
            "timeline": [timeline_entry(r) if personal else _withheld(r) for r in timeline],
            "factors": state.factor_list(),
            "effort": effort(contact_rows, case_rows, self.escalation_levels),
        })
        return state, report

    def erased_parties(self, party_refs: Sequence[str]) -> list[str]:
        """Those of ``party_refs`` whose personal data was erased (``casetrail erase``)."""
        if not party_refs:
            return []
        rows = self.store.query("SELECT DISTINCT party_ref FROM timeline_entries WHERE type = 'party.erased' "
                                f"AND party_ref IN ({', '.join('?' * len(party_refs))})", list(party_refs))
        return sorted(row[0] for row in rows)

    def contacts_of_parties(self, party_refs: Sequence[str]) -> dict[str, list[str]]:
        """Each party's contacts, sorted: those whose opening names it."""
        found: dict[str, set[str]] = {party: set() for party in party_refs}
        for row in self.rows_of("party_ref", party_refs, also="type = 'contact.started'"):
            if row.contact_ref:
                found[str(row.party_ref)].add(row.contact_ref)
        return {party: sorted(contacts) for party, contacts in found.items()}

    def _linked_rows(self, state: CaseState) -> list[Row]:
        rows = self.linked_rows_of([state])[state.case_ref]
        return rows + self._inventory(rows)

    def cases_with_contacts(self, case_refs: Sequence[str]) -> list[tuple[CaseState, list[Row], list[Row]]]:
        """Each opened case of ``case_refs``, as known now, with its own rows and the contact
        events linked to it (those its report counts for effort), read for all at once."""
        own: dict[str, list[Row]] = {}
        for row in self.rows_of("case_ref", case_refs, also="type LIKE 'case.%'"):
            own.setdefault(str(row.case_ref), []).append(row)
        states = [state for state in (fold_case(ref, own[ref]) for ref in sorted(own)) if state.opened_at is not None]
        linked = self.linked_rows_of(states, only="type LIKE 'contact.%'")
        return [(state, own[state.case_ref], [r for r in linked[state.case_ref]
                                              if r.contact_ref and r.type.startswith("contact.")])
                for state in states]

    def linked_rows_of(self, states: Sequence[CaseState], only: str = "") -> dict[str, list[Row]]:
        """The events linked to each case beside its own, but for inventory: its bookings' events;
        the contacts that name the case or its bookings, with all their events; the party's payment
        attempts, bookings and contacts (unless they name another case) within a day of the opening;
        and its evidence. Read in a few queries for all ``states``; ``only`` keeps only the bookings'
        events and the evidence that meet that condition (an overbooking case holds hundreds of bookings,
        and its evidence names each)."""
        around = self._party_rows_around(states)
        bookings = {s.case_ref: s.booking_refs | {r.booking_ref for r in around[s.case_ref]
                                                  if r.type == "booking.created" and r.booking_ref}
                    for s in states}
        every_booking = sorted(set().union(*bookings.values()))
        started = self.rows_of("case_ref", [s.case_ref for s in states], also="type = 'contact.started'")
        started += self.rows_of("booking_ref", every_booking, also="type = 'contact.started'")
        contacts = {s.case_ref: set(s.contact_refs) for s in states}
        for state in states:
            contacts[state.case_ref] |= {r.contact_ref for r in started if r.contact_ref and (
                r.case_ref == state.case_ref or r.booking_ref in bookings[state.case_ref])}
            # The party's contacts around the case belong to it, unless they name another case.
            contacts[state.case_ref] |= {r.contact_ref for r in around[state.case_ref] if r.type == "contact.started"
                                         and r.contact_ref and r.case_ref in (None, state.case_ref)}
        by_booking = _grouped(self.rows_of("booking_ref", every_booking, also=only), lambda r: r.booking_ref)
        by_contact = _grouped(self.rows_of("contact_ref", sorted(set().union(*contacts.values()))),
                              lambda r: r.contact_ref)
        evidence = _grouped(self.events(set().union(*(s.evidence for s in states)), only),
                            lambda r: (r.source, r.source_id))
        return {
            s.case_ref: [*(r for ref in sorted(bookings[s.case_ref]) for r in by_booking.get(ref, [])),
                         *(r for ref in sorted(contacts[s.case_ref]) for r in by_contact.get(ref, [])),
                         *(r for r in around[s.case_ref] if r.type.startswith("payment.")),
                         *(r for key in sorted(s.evidence) for r in evidence.get(key, []))]
            for s in states
        }

    def events(self, keys: set[tuple[str, str]], only: str = "") -> list[Row]:
        """The rows of the events ``keys`` name (source, id) that meet the condition ``only``,
        ``IN_CHUNK`` ids a query: a slice of overbooked nights names tens of thousands."""
        by_source: dict[str, list[str]] = {}
        for source, source_id in sorted(keys):
            by_source.setdefault(source, []).append(source_id)
        condition = f" AND {only}" if only else ""
        return [row for source, source_ids in by_source.items()
                for row in self.rows_of("source_id", source_ids, also=f"source = ?{condition}", also_params=[source])]

    def rows_of(self, column: str, values: Iterable[str], moment: Moment = Moment(), also: str = "",
                also_params: Sequence[Any] = ()) -> list[Row]:
        """The rows whose ``column`` is one of ``values`` (and that meet the condition ``also``)."""
        values, found = list(values), list[Row]()
        condition = f" AND {also}" if also else ""
        for start in range(0, len(values), IN_CHUNK):
            chunk = values[start : start + IN_CHUNK]
            found += self.rows(f"{column} IN ({_marks(chunk)}){condition}", [*chunk, *also_params], moment)
        return found

    def _party_rows_around(self, states: Sequence[CaseState]) -> dict[str, list[Row]]:
        """Each case's party's payment attempts, bookings and contacts within a day of its opening."""
        found: dict[str, list[Row]] = {s.case_ref: [] for s in states}
        windows = {s.case_ref: (instant_of(moment_of(s.opened_at) - AROUND_CASE),
                                instant_of(moment_of(s.opened_at) + AROUND_CASE))
                   for s in states if s.party_refs and s.opened_at is not None}
        if not windows:
            return found
        parties = sorted(set().union(*(s.party_refs for s in states if s.case_ref in windows)))
        rows = self.rows_of(
            "party_ref", parties,
            also="type IN ('payment.failed', 'payment.succeeded', 'booking.created', 'contact.started') "
                 "AND occurred_at BETWEEN ? AND ?",
            also_params=[min(w[0] for w in windows.values()), max(w[1] for w in windows.values())])
        for state in states:
            if state.case_ref in windows:
                first, last = windows[state.case_ref]
                found[state.case_ref] = [r for r in rows if r.party_ref in state.party_refs
                                         and first <= r.occurred_at <= last]
        return found

    def _inventory(self, rows: list[Row]) -> list[Row]:
        """The inventory updates of the resources and nights the case's bookings hold, and their acknowledgements."""
        held: dict[str, list[tuple[str, str]]] = {}
        for resource, first, last in sorted({(r.resource, r.night_from, r.night_to) for r in rows
                                             if r.booking_ref and r.resource and r.night_from and r.night_to}):
            held.setdefault(resource, []).append((first, last))
        found: dict[tuple[str, str], Row] = {}
        for resource, spans in held.items():
            spans = _merged(spans)
            # One query per resource, on the small index of inventory updates: an update
            # holds its nights night_from to night_to, as its rows in timeline_nights do.
            for r in self.rows(f"{INVENTORY_UPDATES} AND resource = ? AND night_from <= ? AND night_to >= ?",
                               [resource, spans[-1][1], spans[0][0]]):
                if (r.type.startswith("inventory.") and r.night_from and r.night_to and r.night_from <= r.night_to
                        and any(r.night_from <= last and first <= r.night_to for first, last in spans)):
                    found[(r.source, r.source_id)] = r
        updates = sorted(found.values(), key=lambda r: r.order)
        return updates + self.rows_with("update_id", sorted({r.source_id for r in updates}))

    def rows_with(self, column: str, values: Sequence[str]) -> list[Row]:
        """The rows whose ``column`` is one of ``values``, in no particular order: each value is
        looked up in the column's index, whatever the planner's (sampled) statistics say of it;
        ``column IN (...)`` may be planned as a scan of the whole table."""
        found = list[Row]()
        for start in range(0, len(values), IN_CHUNK):
            chunk = values[start : start + IN_CHUNK]
            found += [Row(*r) for r in self.store.query(
                f"WITH wanted (value) AS (VALUES {', '.join(['(?)'] * len(chunk))}) "
                f"SELECT {', '.join('t.' + c for c in COLUMNS)} FROM wanted CROSS JOIN timeline_entries t "
                f"WHERE t.{column} = wanted.value", chunk)]
        return found


def _grouped(rows: Iterable[Row], key: Callable[[Row], Any]) -> dict[Any, list[Row]]:
    groups: dict[Any, list[Row]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    return groups


def _merged(spans: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Sorted ranges of dates (ISO, inclusive), overlapping or adjoining ones merged."""
    merged: list[tuple[str, str]] = []
    for first, last in sorted(spans):
        if merged and date.fromisoformat(first) <= date.fromisoformat(merged[-1][1]) + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


def _spans_table(spans: Sequence[Span]) -> str:
    """A table ``spans`` of numbered spans, given by ``_span_params``, for a query to join."""
    return f"WITH spans (span, resource, first_night, last_night) AS (VALUES {', '.join(['(?, ?, ?, ?)'] * len(spans))})"


def _span_params(spans: Sequence[Span]) -> list[Any]:
    return [value for number, span in enumerate(spans) for value in (number, *span)]


def _withheld(row: Row) -> dict[str, Any]:
    """A timeline entry without the party's personal text (a dashboard's read)."""
    from casetrail.services.personal_data import withheld_summary

    return {**timeline_entry(row), "summary": withheld_summary(row.type, row.data, row.summary)}
