"""casetrail's domain: aggregates, their events and the rules they keep."""

import sys

from eventsourcing.utils import register_topic

# Release 0.1 installed this package as the top-level ``domain``, so the events it stored name
# ``domain.<module>:<class>``; those topics resolve to the same classes here.
register_topic("domain", sys.modules[__name__])
