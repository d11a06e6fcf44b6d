"""Overbooking: a resource night sold beyond what was available, and why.

For every sale that went over, it reasons per channel about when the stop-sell
was sent, when that channel acknowledged it, when it sold, and when the
resource sold out (spec ``cases-v1.md``, contributing factors).
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.config import Windows
from projections.case_report import Row
from projections.findings import FactorFinding, Finding, clock, key, minutes_between

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
    sales: list[Row]  # booking.created covering the night
    cancellations: list[Row]  # booking.cancelled of those bookings


def detect(facts: NightFacts, windows: Windows) -> Finding | None:
    if not facts.availability:
        return None
    available = int(max(facts.availability, key=lambda r: r.order).data["available"])
    units = {r.booking_ref: int(r.data.get("units", 1)) for r in facts.sales}
    sold, sold_out_at, over = 0, None, []
    # Sales take units and cancellations give them back, in the order they happened.
    for row in sorted([*facts.sales, *facts.cancellations], key=lambda r: r.order):
        if row.type == "booking.cancelled":
            sold -= units.get(row.booking_ref, 0)
            continue
        sold += units[row.booking_ref]
        if sold > available:
            over.append(row)
        elif sold == available and sold_out_at is None:
            sold_out_at = row
    if not over:
        return None
    factors = [_factor(sale, sold_out_at, facts, available, windows) for sale in over]
    evidence = [key(r) for r in [*facts.availability, *facts.stop_sells, *facts.acknowledgements]]
    return Finding(
        detector="overbooking",
        incident=f"{facts.resource}/{facts.night}",
        opened_at=over[0].occurred_at,
        known_at=max(r.reported_at for r in [*facts.sales, *facts.availability]),
        factors=tuple(factors),
        category="overbooking",
        priority="high",
        summary=f"{facts.resource} {facts.night} sold beyond the {available} available",
        booking_refs=tuple(sorted({r.booking_ref for r in facts.sales if r.booking_ref})),
        evidence=tuple(sorted(set(evidence))),
    )


def _factor(sale: Row, sold_out_at: Row | None, facts: NightFacts, available: int, windows: Windows) -> FactorFinding:
    channel = sale.data["channel"]
    ref = sale.booking_ref
    stop_sell = _stop_sell_in_force(channel, sale, facts)
    if stop_sell is not None:
        waited = minutes_between(stop_sell.occurred_at, sale.occurred_at)
        acknowledged = _acknowledgement(channel, stop_sell, facts)
        if acknowledged is not None and acknowledged.occurred_at <= sale.occurred_at:
            after = minutes_between(acknowledged.occurred_at, sale.occurred_at)
            return FactorFinding(
                "stop_sell_not_honoured", sale.department, sale.occurred_at,
                f"{channel} accepted booking {ref} {after:.0f} min after acknowledging the stop-sell of "
                f"{clock(stop_sell)}", (key(stop_sell), key(acknowledged), key(sale)))
        if waited > windows.sync_window_minutes:
            late = f"; it acknowledged only at {clock(acknowledged)}" if acknowledged is not None else ""
            evidence = (key(stop_sell), key(sale), *((key(acknowledged),) if acknowledged else ()))
            return FactorFinding(
                "stop_sell_unacknowledged", sale.department, sale.occurred_at,
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
        "sold_beyond_capacity", sale.department, sale.occurred_at,
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
