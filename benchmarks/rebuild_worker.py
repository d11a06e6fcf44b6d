"""Rebuilds every view of a store in a process of its own, so that its peak
memory is the rebuild's alone; prints one JSON line with the figures."""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from casetrail.adapters.bootstrap import bootstrap
from casetrail.adapters.settings import Settings


def peak_resident_mb() -> float:
    """This process's own peak (VmHWM): getrusage would report the parent's, inherited at fork."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    system = bootstrap(Settings(database_url=sys.argv[1]))
    started = time.perf_counter()
    # Every view reads the whole log: the events rebuilt are the log's, however many views.
    applied = max(runner.rebuild() for runner in system.views)
    seconds = time.perf_counter() - started
    system.close()
    print(json.dumps({"events": applied, "seconds": seconds, "peak_rss_mb": peak_resident_mb()}))
