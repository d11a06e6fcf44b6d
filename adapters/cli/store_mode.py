"""What each command may do to the store it is given: every command declares one (``store=`` in its defaults)."""

from __future__ import annotations

from enum import Enum


class StoreMode(Enum):
    # It brings input: a store that is not there yet is started.
    CREATE = "create"
    # It writes what it derives from the log, or a lead's decision on a case: the store must exist.
    WRITE = "write"
    # It only reads: the store must exist, and is opened so that nothing can be written.
    READ = "read"
    # It makes a store of its own (the demo).
    OWN = "own"
    # It needs no store (a new signing key, the offline check of an evidence pack).
    NONE = "none"
