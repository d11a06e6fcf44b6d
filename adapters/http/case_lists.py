"""The case list, remembered while the views stand still.

Listing folds every case's rows (1.3 s for the 779 cases of the hotel data set), and a client
pages through the list a request at a time: each page would fold them all again. The list
only changes when a view moves, so it is kept with the views' positions it was folded at.
"""

from __future__ import annotations

from typing import Any

from casetrail.adapters.reading import Reader

Filters = tuple[str | None, str | None, str | None]  # status, category, department
# Filter combinations remembered at once; a dashboard asks for a few.
KEPT = 32


class CaseLists:
    def __init__(self) -> None:
        self._lists: dict[Filters, tuple[dict[str, int], list[dict[str, Any]]]] = {}

    def cases(self, reader: Reader, filters: Filters) -> list[dict[str, Any]]:
        """``CaseQueries.list_cases`` for ``filters``, folded again only when the views have moved."""
        positions = reader.lag().positions
        kept = self._lists.get(filters)
        if kept is not None and kept[0] == positions:
            return kept[1]
        status, category, department = filters
        found = reader.cases.list_cases(status=status, category=category, department=department)
        if len(self._lists) >= KEPT:
            self._lists.clear()
        self._lists[filters] = (positions, found)
        return found
