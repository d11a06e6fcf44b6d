"""The ``casetrail`` command: ``main`` parses, one module a command group runs."""
