"""``[integrity] checkpoint_every``: ``casetrail serve`` keeps a signed checkpoint that often while the log grows,
so that ``GET /v1/checkpoints/latest`` stays recent without anyone asking for one."""

from __future__ import annotations

import threading

import structlog

from casetrail.adapters.config_file import load_config
from casetrail.adapters.settings import Settings
from casetrail.adapters.signing import load_signing_key
from casetrail.adapters.storage.database import persistence_env
from casetrail.adapters.storage.outages import first_line
from casetrail.services.application import CasetrailApplication
from casetrail.services.checkpoints import CheckpointError
from casetrail.services.kept_checkpoints import sign_and_keep

log = structlog.get_logger("casetrail.checkpoints")

# Who the scheduled checkpoints are kept as made by.
SCHEDULE = "casetrail serve (checkpoint_every)"


class CheckpointSchedule:
    def __init__(self, settings: Settings, every_s: float) -> None:
        # A missing or wrong key stops the server as it starts, not an hour later.
        self._name, self._key = load_signing_key(settings.config_path)
        # Connections of its own: reading the whole log never holds up the requests.
        self._app = CasetrailApplication(persistence_env(settings.database_url), load_config(settings.config_path))
        self._every_s = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="casetrail-checkpoints", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        from casetrail.adapters.storage.outages import DATABASE_ERRORS

        signed_head = 0  # the log's last position when the last checkpoint was made
        while not self._stop.wait(self._every_s):
            try:
                head = self._app.recorder.max_notification_id() or 0
                if head == signed_head:
                    continue  # the log has not grown: the kept checkpoint is still the latest
                kept = sign_and_keep(self._app, self._name, self._key, SCHEDULE)
                signed_head = head
                log.info("checkpoint kept", size=kept.size)
            except DATABASE_ERRORS as error:
                log.warning("database unavailable; the next checkpoint is tried at the next interval",
                            error=first_line(error))
            except CheckpointError as error:  # the log was rewritten under a kept checkpoint: say so every time
                log.error("checkpoint refused", error=str(error))

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        self._app.close()
