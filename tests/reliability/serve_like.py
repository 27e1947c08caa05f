"""A stand-in for `songsmith serve` without HTTP: supervised workers plus the reaper loop.

Run as `python serve_like.py SETTINGS_JSON N_WORKERS`; SIGTERM stops it cleanly.
"""

from __future__ import annotations

import signal
import sys
import threading

from songsmith.config import Settings
from songsmith.queue.sql import SqlQueue
from songsmith.services.worker import Supervisor, run_reaper_loop
from songsmith.store.sql import SqlStore


def main() -> None:
    settings = Settings.model_validate_json(sys.argv[1])
    store = SqlStore(settings.resolved_database_url)
    queue = SqlQueue(settings.resolved_database_url, max_attempts=settings.max_attempts)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    supervisor = Supervisor(settings, int(sys.argv[2]), engine_names=["testing"])
    supervisor.start()
    reaper = threading.Thread(target=run_reaper_loop, args=(store, queue, settings, stop))
    reaper.start()
    stop.wait()
    supervisor.stop()
    reaper.join()


if __name__ == "__main__":
    main()
