"""Imports the hotel booking data set through the command line in a process of its own,
so that its peak memory is the import's alone (with the views process it starts); prints one
JSON line with the figures."""

from __future__ import annotations

import contextlib
import io
import json
import resource
import sys
import time

from benchmarks.rebuild_worker import peak_resident_mb
from casetrail.adapters.cli.main import main

if __name__ == "__main__":
    url, path = sys.argv[1], sys.argv[2]
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()) as printed:
        status = main(["--database", url, "import", "hotel-bookings", path, "--json"])
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"import failed with status {status}")
    # The views follow the import in a child process: its peak counts too (both live at once).
    views_peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({**json.loads(printed.getvalue()), "seconds": seconds,
                      "peak_rss_mb": peak_resident_mb() + views_peak_mb}))
