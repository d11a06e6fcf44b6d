"""Who may call the API: the tokens of the configuration, their roles, and the role table of http-v1.

A token is configured as its name, one role and the SHA-256 of the token in hex,
never the token itself. A request's token is hashed and compared with every
configured hash in constant time, so neither the answer nor its timing says
which tokens exist.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from casetrail.adapters.config_file import API_TABLE, read_document, validation_error

Role = Literal["auditor", "lead", "agent", "dashboard", "source", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)

# Everyone who reads cases and reports (http-v1, "Who may do what").
_CASE_READERS: frozenset[Role] = frozenset({"auditor", "lead", "agent", "dashboard", "admin"})

# The role table of http-v1: each route under /v1/ and the roles that may call it. The routes
# ask it, and a test walks it whole; a /v1/ route missing from it answers no one.
# Who may read a party's personal text (http-v1: dashboards see no personal data beyond refs).
PERSONAL_DATA_READERS: frozenset[Role] = frozenset({"auditor", "lead", "agent", "admin"})
ROUTE_ROLES: dict[tuple[str, str], frozenset[Role]] = {
    ("POST", "/v1/events"): frozenset({"source"}),
    ("GET", "/v1/events"): frozenset({"auditor", "dashboard", "admin"}),
    ("GET", "/v1/cases"): _CASE_READERS,
    ("GET", "/v1/cases/{case}"): _CASE_READERS,
    ("GET", "/v1/reports/{name}"): _CASE_READERS,
    ("GET", "/v1/rejects"): frozenset({"auditor", "admin"}),
    ("GET", "/v1/cases/{case}/evidence-pack"): frozenset({"auditor", "admin"}),
    ("POST", "/v1/checkpoints"): frozenset({"admin"}),
    # A checkpoint names the log, its size and a hash: nothing personal, and the more copies kept, the better.
    ("GET", "/v1/checkpoints/latest"): _CASE_READERS,
    ("POST", "/v1/cases/{case}/factors/{code}/confirm"): frozenset({"lead"}),
    ("POST", "/v1/cases/{case}/factors/{code}/reject"): frozenset({"lead"}),
    ("POST", "/v1/cases/{case}/factors"): frozenset({"lead"}),
    ("POST", "/v1/cases/{case}/assign"): frozenset({"agent", "lead"}),
    ("POST", "/v1/cases/{case}/escalate"): frozenset({"agent", "lead"}),
    ("POST", "/v1/cases/{case}/resolve"): frozenset({"agent", "lead"}),
    ("POST", "/v1/cases/{case}/reopen"): frozenset({"agent", "lead"}),
    ("POST", "/v1/cases/{case}/close"): frozenset({"lead"}),
    ("POST", "/v1/parties/{party}/erase"): frozenset({"admin"}),
}

DEFAULT_MAX_BODY_BYTES = 8 << 20  # the ingestion's own batch limit (services.limits.MAX_BATCH_BYTES)
DEFAULT_READY_LAG = 1000


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class ApiToken(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]*$")]
    role: Role
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]

    @field_validator("sha256", mode="before")
    @classmethod
    def _lower_hex(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value


class ApiSettings(_Strict):
    """The ``[api]`` table of the configuration file."""

    tokens: list[ApiToken] = Field(default_factory=list)
    # A request body longer than this is refused whole (413) before anything is stored.
    max_body_bytes: Annotated[int, Field(gt=0, le=1 << 30)] = DEFAULT_MAX_BODY_BYTES
    # /readyz answers 503 while the views are more than this many log positions behind.
    ready_lag: Annotated[int, Field(ge=0)] = DEFAULT_READY_LAG

    @field_validator("tokens")
    @classmethod
    def _distinct(cls, tokens: list[ApiToken]) -> list[ApiToken]:
        names = [t.name for t in tokens]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"token name {twice[0]!r} is configured more than once")
        hashes = [t.sha256 for t in tokens]
        if len(set(hashes)) != len(hashes):
            raise ValueError("two tokens have the same sha256: each token must be its own")
        return tokens


def load_api_settings(path: str | None) -> ApiSettings:
    if path is None:
        return ApiSettings()
    text, document = read_document(path)
    try:
        return ApiSettings.model_validate(document.get(API_TABLE, {}))
    except ValidationError as error:
        raise validation_error(path, text, error, within=[API_TABLE]) from None


@dataclass(frozen=True)
class Caller:
    """Who a request is: the token's name is the ``actor`` of what it records, its role the ``actorrole``."""

    name: str
    role: Role


class TokenTable:
    def __init__(self, tokens: list[ApiToken]) -> None:
        self._tokens = [(bytes.fromhex(t.sha256), Caller(t.name, t.role)) for t in tokens]

    def caller(self, token: str) -> Caller | None:
        """The caller ``token`` is, or None. Every configured hash is compared, each in constant time."""
        digest = hashlib.sha256(token.encode("utf-8", "surrogateescape")).digest()
        found = None
        for configured, caller in self._tokens:
            if hmac.compare_digest(digest, configured):
                found = caller
        return found


def new_token() -> tuple[str, str]:
    """A fresh token and its SHA-256 in hex."""
    token = "ct_" + secrets.token_urlsafe(32)
    return token, hashlib.sha256(token.encode()).hexdigest()


def token_lines(name: str, role: Role, sha256: str) -> str:
    """The TOML that configures a token."""
    return f'[[api.tokens]]\nname = "{name}"\nrole = "{role}"\nsha256 = "{sha256}"\n'
