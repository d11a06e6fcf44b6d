"""Rebuilds every view of a store in a process of its own, so that its peak
memory is the rebuild's alone; prints one JSON line with the figures."""

from __future__ import annotations

import json
import resource
import sys
import time

from adapters.bootstrap import bootstrap
from adapters.settings import Settings

if __name__ == "__main__":
    system = bootstrap(Settings(database_url=sys.argv[1]))
    started = time.perf_counter()
    applied = sum(runner.rebuild() for runner in system.views)
    seconds = time.perf_counter() - started
    system.close()
    print(json.dumps({"events": applied, "seconds": seconds,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
