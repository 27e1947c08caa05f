"""The settle sweep: repair tasks left open by a worker killed between the queue and the store.

A worker settles the queue first (`fail` returns the DeadJob, `complete` marks the job done) and
the store second (`finish_failed`, `finish_task`). A worker killed in between leaves a job that is
over while its clip is still `streaming` or its task never reached a terminal status, and no
lease is left for the reaper to expire. This sweep finds those jobs (queues that can list them:
`SqlQueue.settled_jobs_of_open_tasks`) and finishes the store side. It waits `grace_s` after
first seeing a case, so it does not race a live worker that is between those two writes.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from songsmith.config import Settings
    from songsmith.queue.sql import SettledJob
    from songsmith.store.typing import Store

log = logging.getLogger("songsmith.reaper")


class ListsSettledJobs(Protocol):
    def settled_jobs_of_open_tasks(self, limit: int = 200) -> list[SettledJob]: ...


class SettleSweep:
    def __init__(self, grace_s: float) -> None:
        self.grace_s = grace_s
        self._first_seen: dict[str, float] = {}
        self._acted: set[str] = set()  # acted on once; not again while the case persists

    def run(self, store: Store, queue: object, settings: Settings | None = None) -> int:
        """One pass; returns how many jobs it settled."""
        finder = getattr(queue, "settled_jobs_of_open_tasks", None)
        if finder is None:  # this queue cannot list them (yet): nothing to do
            return 0
        now = time.monotonic()
        seen: dict[str, float] = {}
        settled = 0
        for job in finder():
            action = _action(store, job)
            if action is None:
                continue
            key = f"{job.job_id}:{job.token}:{action}"
            first = seen[key] = self._first_seen.get(key, now)
            if now - first < self.grace_s or key in self._acted:
                continue
            _apply(store, job, action, settings)
            self._acted.add(key)
            settled += 1
        self._first_seen = seen
        self._acted &= set(seen)
        return settled


def _action(store: Store, job: SettledJob) -> str | None:
    """'fail' (the job is dead but its clip or task is open), 'refresh' (every job of the task
    is over but the task is open), or None (nothing is wrong)."""
    spec = job.spec
    if spec.clip_id is None:
        return "fail" if job.state == "dead" else None if job.task_busy else "refresh"
    clip = store.get_clip(spec.clip_id, None)
    if clip is not None and not clip.status.terminal:
        # A dead job's clip will never finish; a done job with an open clip ended without a
        # result (should not happen) and is failed too rather than left to hang.
        return "fail"
    return None if job.task_busy else "refresh"


def _apply(store: Store, job: SettledJob, action: str, settings: Settings | None) -> None:
    from songsmith.services.pipeline import finish_failed, finish_task

    spec = job.spec
    if action == "refresh":
        before = store.get_task(spec.task_id, None)
        finish_task(store, spec.task_id, settings)
        after = store.get_task(spec.task_id, None)
        if before is not None and after is not None and after.status != before.status:
            log.warning(
                "task %s was left open after its jobs ended: now %s", after.id, after.status
            )
        return
    lost = "lease expired" in job.reason
    if job.state == "dead":
        message = f"Generation failed after {job.attempts} attempt(s): {job.reason}"
    else:
        message = "The job ended without storing a result."
    log.warning("job %s (%s) left its clip open; failing it: %s", job.job_id, job.state, message)
    finish_failed(store, spec, "worker_lost" if lost else "internal", message, settings)
