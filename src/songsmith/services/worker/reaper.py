"""The reaper: requeue jobs whose worker vanished; fail those out of attempts; repair what a
killed worker left half-settled; delete the blobs of killed attempts."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from songsmith.services.worker.settle_sweep import SettleSweep

if TYPE_CHECKING:
    from songsmith.config import Settings
    from songsmith.queue.typing import DeadJob, Queue
    from songsmith.services.worker.loop import StopEvent
    from songsmith.store.typing import Store

log = logging.getLogger("songsmith.reaper")


def run_reaper_once(
    store: Store,
    queue: Queue,
    settings: Settings | None = None,
    *,
    sweep: SettleSweep | None = None,
) -> list[DeadJob]:
    """One pass: expired leases go back to the queue; jobs out of attempts end their clip
    `error` and their task FAILURE (with the reason). With `sweep`, jobs that ended while their
    clip or task stayed open are settled, and (with `settings`) the blobs of attempts that were
    killed are deleted. Safe to run in many processes at once."""
    from songsmith.services.pipeline import finish_failed

    dead = queue.reap()
    for job in dead:
        log.warning("job %s is dead after %d attempts: %s", job.job_id, job.attempts, job.reason)
        message = (
            f"Generation failed after {job.attempts} attempts: the worker running it stopped "
            "responding (crashed or was killed)."
        )
        finish_failed(store, job.spec, "worker_lost", message, settings)
    if sweep is not None:
        sweep.run(store, queue, settings)
        if settings is not None:
            collect_orphan_blobs(store, settings)
    return dead


def collect_orphan_blobs(store: Store, settings: Settings) -> int:
    """The janitor: blobs written by attempts that were killed and that no clip references."""
    from songsmith.blobs.journal import collect_dead_attempts
    from songsmith.blobs.local import LocalBlobStore

    if not (settings.blob_dir / "attempts").is_dir():
        return 0
    blobs = LocalBlobStore(settings.blob_dir, settings.resolved_public_base_url)
    deleted = collect_dead_attempts(store, blobs)
    if deleted:
        log.info("deleted %d orphan blob file(s) of killed attempts", deleted)
    return deleted


def make_sweep(settings: Settings) -> SettleSweep:
    # A live worker settles the store milliseconds after the queue; a lease is far longer.
    return SettleSweep(grace_s=settings.lease_s)


def run_reaper_loop(store: Store, queue: Queue, settings: Settings, stop_event: StopEvent) -> None:
    """`songsmith serve` runs this in a thread: a pass every `settings.reaper_interval_s`."""
    sweep = make_sweep(settings)
    while not stop_event.wait(settings.reaper_interval_s):
        try:
            run_reaper_once(store, queue, settings, sweep=sweep)
        except Exception:
            log.warning("reaper pass failed", exc_info=True)
