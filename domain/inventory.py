"""Inventory: what a resource (a room type, a flight cabin) may sell on one
service date, the stop-sells that close it per channel, and the channels'
acknowledgements of those updates."""

from __future__ import annotations

from datetime import date

from casetrail.domain.model import Aggregate


class Inventory(Aggregate):
    """One resource on one service date."""

    class Fact(Aggregate.Fact):
        resource: str
        night: date

    class AvailabilitySet(Fact):
        available: int

    class Closed(Fact):
        """A stop-sell covering this night (one event per night of its range)."""

        from_date: date
        to_date: date
        channels: list[str]

    class Opened(Fact):
        from_date: date
        to_date: date
        channels: list[str]


class InventoryUpdate(Aggregate):
    """The channels' confirmations of one inventory update, keyed by the update's id.

    An acknowledgement names only the update's id, and may arrive before the
    update itself, so it has a stream of its own that projections join to the
    update by that id.
    """

    class Acknowledged(Aggregate.Fact):
        update_id: str
        channel: str
