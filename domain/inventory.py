"""Inventory: what a resource (a room type, a flight cabin) may sell on one
service date, the stop-sells that close it per channel, and the channels'
acknowledgements of those updates."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import ConfigDict, Field, model_validator

from casetrail.domain.model import Aggregate
from casetrail.domain.values import MAX_RANGE_NIGHTS, Data, Date, NonNegative, Ref


# The contract says ``date``, ``from`` and ``to``; the streams have always stored ``night``,
# ``from_date`` and ``to_date``. The aliases say so once: inbound events are read by alias,
# stored ones by name, and the timeline shows them by alias again.
class InventorySet(Data):
    resource: Ref
    night: Date = Field(alias="date")
    available: NonNegative


class InventoryRange(Data):
    resource: Ref
    from_date: Date = Field(alias="from")
    to_date: Date = Field(alias="to")
    channels: Annotated[list[Ref], Field(min_length=1)]

    @model_validator(mode="after")
    def _range_is_forward(self) -> InventoryRange:
        if self.to_date < self.from_date:
            raise ValueError("'to' is before 'from'")
        if (self.to_date - self.from_date).days >= MAX_RANGE_NIGHTS:
            raise ValueError(f"a range may cover at most {MAX_RANGE_NIGHTS} dates")
        return self


class InventoryAcknowledged(Data):
    update_id: Ref
    channel: Ref


class Inventory(Aggregate):
    """One resource on one service date."""

    class Fact(Aggregate.Fact):
        # A stored event names its fields as stored.
        model_config = ConfigDict(validate_by_name=True)

        resource: str
        night: date

    class AvailabilitySet(InventorySet, Fact):
        pass

    class Closed(InventoryRange, Fact):
        """A stop-sell covering this night (one event per night of its range)."""

    class Opened(InventoryRange, Fact):
        pass


class InventoryUpdate(Aggregate):
    """The channels' confirmations of one inventory update, keyed by the update's id.

    An acknowledgement names only the update's id, and may arrive before the
    update itself, so it has a stream of its own that projections join to the
    update by that id.
    """

    class Acknowledged(InventoryAcknowledged, Aggregate.Fact):
        pass
