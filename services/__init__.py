"""casetrail's applications: ingestion, queries and the ports they need."""
