"""Answers about cases, read from the timeline index.

``as_of`` keeps what had occurred by then, ``known_at`` what had been reported
by then; together they replay an incident as an auditor asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable, Sequence

from domain import ids
from domain.errors import CaseNotFound
from projections.case_report import CaseState, Row, case_summary, effort, fold_case, timeline_entry
from projections.recorded import instant_of, moment_of, rfc3339
from projections.timeline import COLUMNS
from services.ports import ViewStore

SELECT = f"SELECT {', '.join(COLUMNS)} FROM timeline_entries"
# A party's payment attempts, bookings and contacts this close to a case belong on its timeline.
AROUND_CASE = timedelta(hours=24)


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
    def __init__(self, store: ViewStore) -> None:
        self.store = store

    def rows(self, where: str, params: Sequence[Any], moment: Moment = Moment()) -> list[Row]:
        time_sql, time_params = moment.clause()
        return [Row(*r) for r in self.store.query(f"{SELECT} WHERE {where}{time_sql}", [*params, *time_params])]

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

    def case_report(self, case: str, moment: Moment = Moment()) -> dict[str, Any]:
        return self.case_state_and_report(case, moment)[1]

    def case_state_and_report(self, case: str, moment: Moment = Moment()) -> tuple[CaseState, dict[str, Any]]:
        """The case as it stood (``as_of``) and as it was known (``known_at``).

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
            "proactive": _proactive(state, contact_rows),
            "subjects": {
                "booking_refs": sorted(incident.booking_refs),
                "party_refs": sorted(incident.party_refs),
                "resources": sorted({r.resource for r in linked if r.resource and r.booking_ref}),
                "contact_refs": sorted({r.contact_ref for r in contact_rows if r.contact_ref}),
            },
            "timeline": [timeline_entry(r) for r in timeline],
            "factors": state.factor_list(),
            "effort": effort(contact_rows, case_rows),
        })
        return state, report

    def contacts_of_party(self, party_ref: str, moment: Moment = Moment()) -> list[str]:
        return self.contacts_where("party_ref = ?", [party_ref], moment)

    def party_effort(self, party_ref: str, moment: Moment = Moment()) -> dict[str, Any]:
        return effort(self.rows_of("contact_ref", self.contacts_of_party(party_ref, moment), moment))

    def _linked_rows(self, state: CaseState) -> list[Row]:
        around = self._party_rows_around(state)
        bookings = sorted(state.booking_refs | {r.booking_ref for r in around if r.type == "booking.created"
                                                and r.booking_ref})
        contacts = set(self.contacts_where(f"(case_ref = ?{_or_in('booking_ref', bookings)})",
                                           [state.case_ref, *bookings]))
        # The party's contacts around the case belong to it, unless they name another case.
        contacts |= {r.contact_ref for r in around if r.type == "contact.started" and r.contact_ref
                     and r.case_ref in (None, state.case_ref)}
        rows = self.rows_of("booking_ref", bookings)
        rows += self.rows_of("contact_ref", sorted(contacts | state.contact_refs))
        rows += [r for r in around if r.type.startswith("payment.")]
        rows += self._events(state.evidence)
        rows += self._inventory(rows)
        return rows

    def _events(self, keys: set[tuple[str, str]]) -> list[Row]:
        by_source: dict[str, list[str]] = {}
        for source, source_id in sorted(keys):
            by_source.setdefault(source, []).append(source_id)
        return [row for source, source_ids in by_source.items()
                for row in self.rows(f"source = ? AND source_id IN ({_marks(source_ids)})", [source, *source_ids])]

    def contacts_where(self, where: str, params: list[Any], moment: Moment = Moment()) -> list[str]:
        started = self.rows(f"type = 'contact.started' AND {where}", params, moment)
        return sorted({r.contact_ref for r in started if r.contact_ref})

    def rows_of(self, column: str, values: Iterable[str], moment: Moment = Moment()) -> list[Row]:
        values = list(values)
        if not values:
            return []
        return self.rows(f"{column} IN ({_marks(values)})", values, moment)

    def _party_rows_around(self, state: CaseState) -> list[Row]:
        """The party's payment attempts, bookings and contacts within a day of the case opening."""
        if not state.party_refs or state.opened_at is None:
            return []
        opened = moment_of(state.opened_at)
        window = [instant_of(opened - AROUND_CASE), instant_of(opened + AROUND_CASE)]
        parties = sorted(state.party_refs)
        return self.rows(
            "type IN ('payment.failed', 'payment.succeeded', 'booking.created', 'contact.started') "
            f"AND occurred_at BETWEEN ? AND ? AND party_ref IN ({_marks(parties)})",
            [*window, *parties],
        )

    def _inventory(self, rows: list[Row]) -> list[Row]:
        """The inventory updates of the resources and nights the case's bookings hold, and their acknowledgements."""
        found: list[Row] = []
        for resource, first, last in sorted({(r.resource, r.night_from, r.night_to) for r in rows
                                             if r.booking_ref and r.resource}):
            found += self.rows("resource = ? AND type LIKE 'inventory.%' AND night_from <= ? AND night_to >= ?",
                               [resource, last, first])
        return found + self.rows_of("update_id", sorted({r.source_id for r in found}))


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


def _or_in(column: str, values: list[str]) -> str:
    return f" OR {column} IN ({_marks(values)})" if values else ""


def _proactive(state: CaseState, contact_rows: list[Row]) -> bool:
    inbound = [r.occurred_at for r in contact_rows if r.type == "contact.started" and r.data["direction"] == "inbound"]
    return state.opened_at is not None and all(state.opened_at < started for started in inbound)
