"""The limits of the inbound contract (spec ``ingest-v1.md``, Limits).

Anything inside them is stored and answered on every store; anything outside
is rejected with a reason, like any bad input.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_LINE_BYTES = 1 << 20  # one line or message
KEPT_BYTES = 64 << 10  # what the rejects keep of a longer one
MAX_DEPTH = 32  # nesting of JSON, extensions included
MAX_TEXT = 10_000  # characters of one text attribute or field
MAX_REASON = 500  # characters of a reject's reason
# A batch is cut at this many bytes of input as well as at its count of lines,
# so memory follows bytes: a batch of large lines is a short batch.
MAX_BATCH_BYTES = 8 << 20
# A page of the log read by a view holds about this many bytes of states at most.
MAX_PAGE_BYTES = 16 << 20


@dataclass(frozen=True, slots=True)
class TooLong:
    """A line or message over ``MAX_LINE_BYTES``: what is known of it without holding it whole."""

    size: int
    sha256: str

    def reason(self) -> str:
        return (f"input of {self.size:,} bytes is over the limit of {MAX_LINE_BYTES:,} bytes; "
                f"kept are its size, its SHA-256 {self.sha256} and its first {KEPT_BYTES:,} bytes")


def short_reason(reason: str) -> str:
    """Reasons are stored, logged and shown: a bounded line, whatever the input quoted."""
    return reason if len(reason) <= MAX_REASON else reason[: MAX_REASON - 1] + "…"
