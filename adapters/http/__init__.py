"""The HTTP API: ``casetrail serve`` (spec ``http-v1.md``)."""
