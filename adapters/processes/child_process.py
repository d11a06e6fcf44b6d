"""What casetrail's helper processes share: they do not outlive the process that started them.

A spawned child blocked on a queue or a pipe never learns that its parent was
killed; a watcher thread ends it instead.
"""

from __future__ import annotations

import os
import threading
import time

# How often a child looks whether its parent is still there.
PARENT_CHECK_S = 1.0


def exit_with_parent(parent_pid: int) -> None:
    """End this process, from a thread of its own, once ``parent_pid`` is no longer its parent."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(PARENT_CHECK_S)
        os._exit(0)

    threading.Thread(target=watch, name="casetrail-parent-watch", daemon=True).start()
