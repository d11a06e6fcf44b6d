"""Colours that stay apart for colour-blind readers (Okabe and Ito), each department also named in text."""

from __future__ import annotations

# Okabe-Ito, in an order where neighbours differ most; yellow last, as it needs a dark outline on white.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442")

# The report series: opened, resolved, open; proposed, confirmed, rejected; first contacts.
SERIES = {"opened": "#0072B2", "resolved": "#009E73", "open_at_end": "#D55E00", "previous": "#999999",
          "proposed": "#E69F00", "confirmed": "#009E73", "rejected": "#CC79A7", "first_contact": "#56B4E9"}


def colour(index: int) -> str:
    return OKABE_ITO[index % len(OKABE_ITO)]
