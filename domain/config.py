"""The policy casetrail applies: who owns a source, which categories exist,
the detectors' windows and limits, and the standard operating procedures.

Every value has the default of the public spec; a deployment overrides any of
them in a TOML file (see ``adapters.config_file``).
"""

from __future__ import annotations

from datetime import date
from fnmatch import fnmatchcase
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, Strict, ValidationInfo, field_validator

from casetrail.domain.business_hours import BusinessHours, parse_window
from casetrail.domain.errors import UnknownEscalationLevel
from casetrail.domain.escalation import DEFAULT_LEVELS

DEFAULT_CATEGORIES = [
    "overbooking",
    "payment",
    "rate_discrepancy",
    "complimentary_night",
    "loyalty_status",
    "loyalty_merge",
    "retro_claim",
    "website",
    "terms",
    "booking_error",
    "service_complaint",
    "other",
]


# Each value a deployment sets must be sane, not just positive: a window of a
# billion minutes overflows the date arithmetic of every ingest that follows.
MAX_MINUTES = 525_600  # a year
MAX_DAYS = 366
MAX_COUNT = 10_000

Minutes = Annotated[int, Field(gt=0, le=MAX_MINUTES)]
Days = Annotated[int, Field(gt=0, le=MAX_DAYS)]
Count = Annotated[int, Field(gt=0, le=MAX_COUNT)]


# The validation context key under which the loader passes the inbound event types
# a procedure may be triggered by (``catalogue.ACCEPTED``, loaded only for a file's procedures).
EVENT_TYPES = "event_types"


class _Strict(BaseModel):
    # Strict: ``true`` is not the number 1, and ``"5"`` is not 5.
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class Departments(_Strict):
    # Shell-style patterns (``ota:*``); the longest matching pattern wins, so
    # ``ota:expedia`` can be mapped apart from the other OTAs.
    by_source: dict[str, str] = Field(
        default_factory=lambda: {
            "ota:*": "ota_partner",
            "channel-manager:*": "channel_manager",
            "web:*": "ecommerce",
            "pms:*": "front_office",
            "helpdesk:*": "customer_service",
            "phone:*": "customer_service",
            "mail:*": "customer_service",
        }
    )
    # For a source no pattern matches, so that every event still has a department.
    fallback: str = "unattributed"
    # Every event asks; a feed has few sources.
    _resolved: dict[str, str] = PrivateAttr(default_factory=dict)

    def for_source(self, source: str) -> str:
        # Read from pydantic's slot for private attributes: ``self._resolved`` finds it there only after
        # two failed look-ups, about 2 µs, and every event asks.
        resolved: dict[str, str] = self.__pydantic_private__["_resolved"]  # type: ignore[index]
        department = resolved.get(source)
        if department is None:
            matching = [pattern for pattern in self.by_source if fnmatchcase(source, pattern)]
            department = self.by_source[max(matching, key=len)] if matching else self.fallback
            if len(resolved) < 10_000:
                resolved[source] = department
        return department


class Windows(_Strict):
    sync_window_minutes: Minutes = 5
    allowed_stop_sell_delay_minutes: Minutes = 10
    payment_failures: Count = 3
    payment_failure_window_minutes: Minutes = 15
    repeat_contacts: Count = 3
    repeat_contact_window_days: Days = 14
    long_hold_minutes: Minutes = 10


class Integrity(_Strict):
    """What ``casetrail checkpoint`` signs with: the log's name and the private key's file."""

    origin: str = Field(default="casetrail", min_length=1, max_length=200, pattern=r"^[^\s+]+$")
    signing_key: str | None = None  # a PEM file made by ``casetrail key new``
    # ``casetrail serve`` keeps a checkpoint this many seconds apart while the log grows; None: never.
    checkpoint_every: int | None = Field(default=None, gt=0)


class ProcedureStep(_Strict):
    step: str
    within_minutes: Minutes
    department: str


class Procedure(_Strict):
    trigger: str
    # Data fields the trigger event must carry, e.g. ``{channel = "phone"}``.
    when: dict[str, str] = Field(default_factory=dict)
    steps: list[ProcedureStep]

    @field_validator("trigger")
    @classmethod
    def _known_trigger(cls, trigger: str, info: ValidationInfo) -> str:
        known = (info.context or {}).get(EVENT_TYPES)
        if known is not None and trigger not in known:
            raise ValueError(f"{trigger!r} is not an inbound event type")
        return trigger


class ZendeskImport(_Strict):
    """How ``casetrail import zendesk`` names what Zendesk numbers (docs/helpdesks.md)."""

    source: str = "helpdesk:zendesk"
    case_prefix: str = "ZD-"
    # A ticket's category is the first of its tags listed here; a ticket with none is ``other``.
    tags: dict[str, str] = Field(default_factory=dict)
    groups: dict[str, str] = Field(default_factory=dict)  # group id → department
    department: str = "customer_service"  # of a ticket no group holds
    users: dict[str, str] = Field(default_factory=dict)  # requester's user id → party ref


class NetSuiteImport(_Strict):
    """How ``casetrail import netsuite`` names what NetSuite numbers (docs/helpdesks.md)."""

    source: str = "helpdesk:netsuite"
    case_prefix: str = "NS-"
    categories: dict[str, str] = Field(default_factory=dict)  # NetSuite case category → category
    companies: dict[str, str] = Field(default_factory=dict)  # company id → party ref
    employees: dict[str, str] = Field(default_factory=dict)  # employee id → department
    department: str = "customer_service"  # of an employee not listed, and of the case before it is assigned
    # What an escalation to an employee counts as; unset, the lowest configured escalation level.
    escalation_level: str | None = None


class MailboxImport(_Strict):
    """How ``casetrail import mailbox`` tells the desk's messages from its parties' (docs/helpdesks.md)."""

    source: str = "mail:mailbox"
    department: str = "customer_service"
    desk_addresses: list[str] = Field(default_factory=list)  # the desk's own: mail from them is outbound
    # Other departments' addresses: the desk forwarding a thread to one transfers the contact.
    departments: dict[str, str] = Field(default_factory=dict)
    parties: dict[str, str] = Field(default_factory=dict)  # address → party ref; others are hashed


class Helpdesks(_Strict):
    zendesk: ZendeskImport = Field(default_factory=ZendeskImport)
    netsuite: NetSuiteImport = Field(default_factory=NetSuiteImport)
    mailbox: MailboxImport = Field(default_factory=MailboxImport)


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SlaMetric = Literal["first_reply", "next_reply", "resolution"]
SLA_METRICS: tuple[SlaMetric, ...] = ("first_reply", "next_reply", "resolution")


class SlaPolicy(_Strict):
    """Targets in business minutes for the cases it selects (docs/sla.md). ``version`` is raised
    whenever a target changes: the clocks are then computed again, and recorded beside the old."""

    version: int = Field(ge=1, le=MAX_COUNT)
    # Empty: any. The policy naming most of the case's category and priority applies.
    categories: list[str] = Field(default_factory=list)
    priorities: list[Literal["low", "normal", "high", "critical"]] = Field(default_factory=list)
    first_reply_minutes: Minutes | None = None
    next_reply_minutes: Minutes | None = None
    resolution_minutes: Minutes | None = None

    def target_minutes(self, metric: SlaMetric) -> int | None:
        targets = {"first_reply": self.first_reply_minutes, "next_reply": self.next_reply_minutes,
                   "resolution": self.resolution_minutes}
        return targets[metric]


class Sla(_Strict):
    """The desk's business hours and its service-level policies; no policy, no clocks."""

    time_zone: str = "UTC"
    # Working windows of each weekday, local time; a day left out (or ``[]``) is not worked.
    hours: dict[str, list[str]] = Field(default_factory=lambda: {day: ["09:00-17:00"] for day in WEEKDAYS[:5]})
    # Local dates; TOML dates (2024-12-25) or ISO text.
    holidays: list[Annotated[date, Strict(False)]] = Field(default_factory=list)
    # A running clock past this share of its target is about to breach: warned of, and outstanding.
    warn_at: float = Field(default=0.8, gt=0, lt=1)
    policies: dict[str, SlaPolicy] = Field(default_factory=dict)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{zone!r} is not an IANA time zone") from None
        return zone

    @field_validator("hours")
    @classmethod
    def _working_windows(cls, hours: dict[str, list[str]]) -> dict[str, list[str]]:
        for day, windows in hours.items():
            if day not in WEEKDAYS:
                raise ValueError(f"{day!r} is not a weekday ({', '.join(WEEKDAYS)})")
            for window in windows:
                try:
                    parse_window(window)
                except ValueError as error:
                    raise ValueError(f"{day}: {error}") from None
        if not any(hours.values()):
            raise ValueError("no day has working hours")
        return hours

    def business_hours(self) -> BusinessHours:
        return BusinessHours(ZoneInfo(self.time_zone),
                             tuple(tuple(parse_window(w) for w in self.hours.get(day, [])) for day in WEEKDAYS),
                             frozenset(self.holidays))

    def policy_for(self, category: str | None, priority: str) -> str | None:
        """The name of the policy for a case: among those whose selectors all match, the one
        naming the most (category counts before priority); a tie goes to the first name."""
        matching = [(bool(p.categories) * 2 + bool(p.priorities), name) for name, p in self.policies.items()
                    if (not p.categories or category in p.categories) and (not p.priorities or priority in p.priorities)]
        return min(matching, key=lambda m: (-m[0], m[1]))[1] if matching else None


def _default_procedures() -> dict[str, Procedure]:
    return {
        "phone_booking": Procedure(
            trigger="booking.created",
            when={"channel": "phone"},
            steps=[
                ProcedureStep(step="read_back", within_minutes=10, department="reservations"),
                ProcedureStep(step="confirmation_sent", within_minutes=60, department="reservations"),
            ],
        )
    }


class Config(_Strict):
    departments: Departments = Field(default_factory=Departments)
    categories: list[str] = Field(default_factory=lambda: list(DEFAULT_CATEGORIES))
    windows: Windows = Field(default_factory=Windows)
    procedures: dict[str, Procedure] = Field(default_factory=_default_procedures)
    # The levels a lead may escalate a case to (``casetrail escalate --level``), lowest first:
    # a case's effort names the highest it reached.
    escalation_levels: list[str] = Field(default_factory=lambda: list(DEFAULT_LEVELS), min_length=1)
    integrity: Integrity = Field(default_factory=Integrity)
    helpdesks: Helpdesks = Field(default_factory=Helpdesks)
    sla: Sla = Field(default_factory=Sla)

    @field_validator("helpdesks")
    @classmethod
    def _helpdesks_name_configured_values(cls, helpdesks: Helpdesks, info: ValidationInfo) -> Helpdesks:
        categories, levels = info.data.get("categories", []), info.data.get("escalation_levels", [])
        mapped = {"zendesk.tags": helpdesks.zendesk.tags, "netsuite.categories": helpdesks.netsuite.categories}
        for table, mapping in mapped.items():
            for name, category in mapping.items():
                if category not in categories:
                    raise ValueError(f"{table}: {name!r} maps to {category!r}, which is not a configured category")
        netsuite = helpdesks.netsuite
        if netsuite.escalation_level is None and levels:
            netsuite = netsuite.model_copy(update={"escalation_level": levels[0]})
            helpdesks = helpdesks.model_copy(update={"netsuite": netsuite})
        if netsuite.escalation_level not in levels:
            raise ValueError(f"netsuite.escalation_level: {netsuite.escalation_level!r} "
                             "is not a configured escalation level")
        return helpdesks

    @field_validator("sla")
    @classmethod
    def _sla_names_configured_categories(cls, sla: Sla, info: ValidationInfo) -> Sla:
        categories = info.data.get("categories", [])
        for name, policy in sla.policies.items():
            for category in policy.categories:
                if category not in categories:
                    raise ValueError(f"policies.{name}: {category!r} is not a configured category")
        return sla

    def check_escalation_level(self, level: str) -> None:
        """Every entrance asks here: the log is immutable, and a level no one configured must never reach it."""
        if level not in self.escalation_levels:
            shown = repr(level) if len(repr(level)) <= 80 else repr(level)[:79] + "…"
            raise UnknownEscalationLevel(f"{shown} is not a configured escalation level "
                                         f"({', '.join(self.escalation_levels)})")
