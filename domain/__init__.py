"""casetrail's domain: aggregates, their events and the rules they keep."""
