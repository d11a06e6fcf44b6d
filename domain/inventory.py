"""Inventory: what a resource (a room type, a flight cabin) may sell on one
service date, the stop-sells that close it per channel, and the channels'
acknowledgements of those updates."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.model import Aggregate

ALL_CHANNELS = "*"


class Inventory(Aggregate):
    """One resource on one service date."""

    def __init__(self) -> None:
        super().__init__()
        self.resource: str | None = None
        self.night: date | None = None
        self.available: int | None = None
        self.closed_channels: set[str] = set()

    def is_closed_for(self, channel: str) -> bool:
        return ALL_CHANNELS in self.closed_channels or channel in self.closed_channels

    class Fact(Aggregate.Fact):
        resource: str
        night: date

        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.resource = self.resource
            aggregate.night = self.night

    class AvailabilitySet(Fact):
        available: int

        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.available = self.available

    class Closed(Fact):
        """A stop-sell covering this night (one event per night of its range)."""

        from_date: date
        to_date: date
        channels: list[str]

        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.closed_channels |= set(self.channels)

    class Opened(Fact):
        from_date: date
        to_date: date
        channels: list[str]

        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            if ALL_CHANNELS in self.channels:
                aggregate.closed_channels.clear()
            else:
                aggregate.closed_channels -= set(self.channels)


class InventoryUpdate(Aggregate):
    """The channels' confirmations of one inventory update, keyed by the update's id.

    An acknowledgement names only the update's id, and may arrive before the
    update itself, so it has a stream of its own that projections join to the
    update by that id.
    """

    def __init__(self) -> None:
        super().__init__()
        self.update_id: str | None = None
        self.acknowledged_by: set[str] = set()

    class Acknowledged(Aggregate.Fact):
        update_id: str
        channel: str

        def apply(self, aggregate: Any) -> None:
            super().apply(aggregate)
            aggregate.update_id = self.update_id
            aggregate.acknowledged_by.add(self.channel)
