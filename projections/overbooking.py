"""Overbooking: a resource night sold beyond what was available, and why.

For every sale that went over, it reasons per channel about when the stop-sell
was sent, when that channel acknowledged it, when it sold, and when the
resource sold out (spec ``cases-v1.md``, contributing factors).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from casetrail.domain.config import Departments, Windows
from casetrail.projections.case_report import Row
from casetrail.projections.findings import FactorFinding, Finding, clock, key, minutes_between

ALL = "*"


@dataclass(frozen=True)
class NightFacts:
    """Everything the timeline knows about one resource on one service date."""

    resource: str
    night: str
    availability: list[Row]  # inventory.set
    stop_sells: list[Row]  # inventory.closed covering the night
    reopenings: list[Row]  # inventory.opened covering the night
    acknowledgements: list[Row]  # of those updates
    bookings: list[BookingHistory]  # of every booking that ever held the night


@dataclass(frozen=True)
class Holding:
    """What a booking held after one of its events: units of a resource from one night to another."""

    resource: str
    first: int  # date ordinals
    last: int
    units: int

    def on(self, resource: str, night: int) -> int:
        return self.units if self.resource == resource and self.first <= night <= self.last else 0


@dataclass(frozen=True)
class BookingHistory:
    """A booking's events in the order they happened, each with what it left the booking
    holding (None once cancelled). Built once, it answers for every night."""

    booking_ref: str
    channel: str
    department: str  # the selling channel's
    steps: tuple[tuple[Row, Holding | None], ...]


def history(rows: list[Row], departments: Departments) -> BookingHistory | None:
    """A booking's history from its created, modified and cancelled events, or None before it was created."""
    created = next((r for r in rows if r.type == "booking.created"), None)
    if created is None:
        return None
    channel = created.data["channel"]
    # A stop-sell speaks to the channel that sold; a walk-in or phone sale to whoever made it.
    department = departments.for_source(channel) if ":" in channel else created.department
    terms = dict(created.data)
    steps = []
    for row in sorted((r for r in rows if r.type in BOOKING_TYPES), key=lambda r: r.order):
        if row.type == "booking.modified":
            terms.update(row.data["changes"])
        steps.append((row, None if row.type == "booking.cancelled" else _holding(terms)))
    return BookingHistory(str(created.booking_ref), channel, department, tuple(steps))


BOOKING_TYPES = ("booking.created", "booking.modified", "booking.cancelled")


def _holding(terms: dict[str, Any]) -> Holding:
    first = date.fromisoformat(str(terms["date"])).toordinal()
    return Holding(terms["resource"], first, first + int(terms.get("nights", 1)) - 1, int(terms.get("units", 1)))


@dataclass(frozen=True)
class Sale:
    """A booking event that took units of the night: its creation, or a change that moved it there."""

    row: Row
    channel: str
    department: str  # the selling channel's


def detect(facts: NightFacts, windows: Windows) -> Finding | None:
    if not facts.availability:
        return None
    latest_availability = max(facts.availability, key=lambda r: r.order)
    available = int(latest_availability.data["available"])
    sold, sold_out_at, over = 0, None, []
    for sale, change in _holdings(facts):
        sold += change
        if change > 0 and sold > available:
            over.append(sale)
        elif sold == available and change > 0 and sold_out_at is None:
            sold_out_at = sale.row
    if not over:
        return None
    factors = [_factor(sale, sold_out_at, facts, available, windows) for sale in over]
    evidence = [key(r) for r in [*facts.availability, *facts.stop_sells, *facts.acknowledgements]]
    return Finding(
        detector="overbooking",
        incident=f"{facts.resource}/{facts.night}",
        opened_at=over[0].row.occurred_at,
        factors=tuple(factors),
        category="overbooking",
        priority="high",
        summary=f"{facts.resource} {facts.night} sold beyond the {available} available",
        booking_refs=tuple(sorted({b.booking_ref for b in facts.bookings})),
        evidence=tuple(sorted(set(evidence))),
    )


def _holdings(facts: NightFacts) -> list[tuple[Sale, int]]:
    """How many units of the night each booking event took (or gave back), in the order they happened.

    A booking holds the night while its resource and dates cover it; a change
    of dates, resource or units, or a cancellation, moves units in or out.
    """
    night = date.fromisoformat(facts.night).toordinal()
    changes: list[tuple[Sale, int]] = []
    for booking in facts.bookings:
        held = 0
        for row, holding in booking.steps:
            units = holding.on(facts.resource, night) if holding is not None else 0
            if units != held:
                changes.append((Sale(row, booking.channel, booking.department), units - held))
                held = units
    return sorted(changes, key=lambda change: change[0].row.order)


def _factor(found: Sale, sold_out_at: Row | None, facts: NightFacts, available: int,
            windows: Windows) -> FactorFinding:
    factor = _reason(found, sold_out_at, facts, available, windows)
    # One factor per over-selling booking, however many the night has.
    return replace(factor, subject=str(found.row.booking_ref))


def _reason(found: Sale, sold_out_at: Row | None, facts: NightFacts, available: int,
            windows: Windows) -> FactorFinding:
    sale, channel, ref = found.row, found.channel, found.row.booking_ref
    stop_sell = _stop_sell_in_force(channel, sale, facts)
    if stop_sell is not None:
        waited = minutes_between(stop_sell.occurred_at, sale.occurred_at)
        acknowledged = _acknowledgement(channel, stop_sell, facts)
        if acknowledged is not None and acknowledged.occurred_at <= sale.occurred_at:
            after = minutes_between(acknowledged.occurred_at, sale.occurred_at)
            return FactorFinding(
                "stop_sell_not_honoured", found.department, sale.occurred_at,
                f"{channel} accepted booking {ref} {after:.0f} min after acknowledging the stop-sell of "
                f"{clock(stop_sell)}", (key(stop_sell), key(acknowledged), key(sale)))
        if waited > windows.sync_window_minutes:
            late = f"; it acknowledged only at {clock(acknowledged)}" if acknowledged is not None else ""
            evidence = (key(stop_sell), key(sale), *((key(acknowledged),) if acknowledged else ()))
            return FactorFinding(
                "stop_sell_unacknowledged", found.department, sale.occurred_at,
                f"{channel} accepted booking {ref} {waited:.0f} min after the stop-sell of {clock(stop_sell)}, "
                f"beyond the {windows.sync_window_minutes}-minute sync window, without having acknowledged it{late}",
                evidence)
        return FactorFinding(
            "stop_sell_within_sync_window", "none", sale.occurred_at,
            f"{channel} accepted booking {ref} {waited:.0f} min after the stop-sell of {clock(stop_sell)}, "
            f"within the {windows.sync_window_minutes}-minute sync window", (key(stop_sell), key(sale)))

    later = [s for s in facts.stop_sells if _covers(s, channel) and s.occurred_at > sale.occurred_at]
    if sold_out_at is not None and later:
        stop_sell = min(later, key=lambda r: r.order)
        delay = minutes_between(sold_out_at.occurred_at, stop_sell.occurred_at)
        if delay > windows.allowed_stop_sell_delay_minutes:
            owner = max(facts.availability, key=lambda r: r.order).department
            return FactorFinding(
                "late_stop_sell", owner, stop_sell.occurred_at,
                f"the last unit of {facts.resource} {facts.night} sold at {clock(sold_out_at)}; {channel} sold "
                f"booking {ref} at {clock(sale)}; the stop-sell came at {clock(stop_sell)}, {delay:.0f} min after "
                f"the sell-out (allowed: {windows.allowed_stop_sell_delay_minutes})",
                (key(sold_out_at), key(sale), key(stop_sell)))
    return FactorFinding(
        "sold_beyond_capacity", found.department, sale.occurred_at,
        f"{channel} sold booking {ref} at {clock(sale)}, beyond the {available} units of {facts.resource} "
        f"{facts.night} available, with no stop-sell in force",
        (key(max(facts.availability, key=lambda r: r.order)), key(sale)))


def _covers(update: Row, channel: str) -> bool:
    channels = update.data["channels"]
    return ALL in channels or channel in channels


def _stop_sell_in_force(channel: str, sale: Row, facts: NightFacts) -> Row | None:
    """The earliest stop-sell for this channel sent before the sale and not lifted before it."""
    for stop_sell in sorted(facts.stop_sells, key=lambda r: r.order):
        if not _covers(stop_sell, channel) or stop_sell.occurred_at > sale.occurred_at:
            continue
        lifted = any(_covers(o, channel) and stop_sell.occurred_at < o.occurred_at <= sale.occurred_at
                     for o in facts.reopenings)
        if not lifted:
            return stop_sell
    return None


def _acknowledgement(channel: str, stop_sell: Row, facts: NightFacts) -> Row | None:
    acks = [a for a in facts.acknowledgements if a.update_id == stop_sell.source_id and a.data["channel"] == channel]
    return min(acks, key=lambda r: r.order) if acks else None
