"""casetrail: event-sourced case management for customer service in hospitality and travel.

The code lives in the repository's ``domain/``, ``projections/``, ``services/`` and ``adapters/``
folders, installed as this package's sub-packages (``pyproject.toml`` maps them).
"""
