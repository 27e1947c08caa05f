"""The reaper: requeue jobs whose worker vanished; fail those out of attempts."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from songsmith.config import Settings
    from songsmith.queue.typing import DeadJob, Queue
    from songsmith.services.worker.loop import StopEvent
    from songsmith.store.typing import Store

log = logging.getLogger("songsmith.reaper")


def run_reaper_once(store: Store, queue: Queue, settings: Settings | None = None) -> list[DeadJob]:
    """One pass: expired leases go back to the queue; jobs out of attempts end their clip
    `error` and their task FAILURE (with the reason). Safe to run in many processes at once."""
    from songsmith.services.pipeline import finish_failed

    dead = queue.reap()
    for job in dead:
        log.warning("job %s is dead after %d attempts: %s", job.job_id, job.attempts, job.reason)
        message = (
            f"Generation failed after {job.attempts} attempts: the worker running it stopped "
            "responding (crashed or was killed)."
        )
        finish_failed(store, job.spec, "worker_lost", message, settings)
    return dead


def run_reaper_loop(store: Store, queue: Queue, settings: Settings, stop_event: StopEvent) -> None:
    """`songsmith serve` runs this in a thread: a pass every `settings.reaper_interval_s`."""
    while not stop_event.wait(settings.reaper_interval_s):
        try:
            run_reaper_once(store, queue, settings)
        except Exception:
            log.warning("reaper pass failed", exc_info=True)
