"""The policy casetrail applies: who owns a source, which categories exist,
the detectors' windows and limits, and the standard operating procedures.

Every value has the default of the public spec; a deployment overrides any of
them in a TOML file (see ``adapters.config_file``).
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationInfo, field_validator

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
        department = self._resolved.get(source)
        if department is None:
            matching = [pattern for pattern in self.by_source if fnmatchcase(source, pattern)]
            department = self.by_source[max(matching, key=len)] if matching else self.fallback
            if len(self._resolved) < 10_000:
                self._resolved[source] = department
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
    escalation_level: str = "supervisor"  # what an escalation to an employee counts as


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

    @field_validator("helpdesks")
    @classmethod
    def _helpdesks_name_configured_values(cls, helpdesks: Helpdesks, info: ValidationInfo) -> Helpdesks:
        categories, levels = info.data.get("categories", []), info.data.get("escalation_levels", [])
        mapped = {"zendesk.tags": helpdesks.zendesk.tags, "netsuite.categories": helpdesks.netsuite.categories}
        for table, mapping in mapped.items():
            for name, category in mapping.items():
                if category not in categories:
                    raise ValueError(f"{table}: {name!r} maps to {category!r}, which is not a configured category")
        if helpdesks.netsuite.escalation_level not in levels:
            raise ValueError(f"netsuite.escalation_level: {helpdesks.netsuite.escalation_level!r} "
                             "is not a configured escalation level")
        return helpdesks

    def check_escalation_level(self, level: str) -> None:
        """Every entrance asks here: the log is immutable, and a level no one configured must never reach it."""
        if level not in self.escalation_levels:
            shown = repr(level) if len(repr(level)) <= 80 else repr(level)[:79] + "…"
            raise UnknownEscalationLevel(f"{shown} is not a configured escalation level "
                                         f"({', '.join(self.escalation_levels)})")
