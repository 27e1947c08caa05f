"""`SqlQueue`: the embedded queue, rows of a `jobs` table in the store's database.

A claim is one write transaction: pick the oldest queued job of the worker's queues and mark it
running under a lease, with the fencing token (`Lease.attempt`) incremented. On PostgreSQL the pick
uses `FOR UPDATE SKIP LOCKED` so concurrent workers never block on each other; SQLite serialises
writers anyway (BEGIN IMMEDIATE). The distributed queue (Procrastinate) is another class behind the
same port, not a change here.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select, text, update

from songsmith.queue.typing import DeadJob, JobSpec, Lease
from songsmith.store.db import make_engine, writer
from songsmith.store.schema import jobs, tasks

_OPEN_TASK = ("NOT_START", "SUBMITTED", "QUEUED", "IN_PROGRESS")

QUEUED = "queued"
RUNNING = "running"
DONE = "done"
DEAD = "dead"


@dataclass(frozen=True)
class SettledJob:
    """A finished job (state `done` or `dead`) as the reaper's sweep sees it."""

    job_id: str
    spec: JobSpec
    state: str
    attempts: int
    token: int  # the last attempt's fencing token
    reason: str  # last_error
    task_busy: bool  # the task still has a queued or running job


class SqlQueue:
    """Implements `songsmith.queue.typing.Queue`."""

    def __init__(self, url: str, *, max_attempts: int = 3, migrate: bool = True) -> None:
        if migrate:
            from songsmith.store.migrate import upgrade

            upgrade(url)
        self.url = url
        self.max_attempts = max_attempts
        self.engine: Engine = make_engine(url)
        self._writer = writer(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def enqueue(self, spec: JobSpec) -> str:
        job_id = "job_" + secrets.token_hex(12)
        with self._writer.begin() as conn:
            conn.execute(
                jobs.insert().values(
                    id=job_id,
                    task_id=spec.task_id,
                    clip_id=spec.clip_id,
                    kind=spec.kind,
                    queue=spec.queue,
                    payload=dict(spec.payload),
                    state=QUEUED,
                    attempts=0,
                    token=0,
                    worker_id=None,
                    lease_expires_at=None,
                    enqueued_at=time.time(),
                    last_error="",
                )
            )
        return job_id

    def claim(self, worker_id: str, queues: list[str], lease_s: float) -> Lease | None:
        if not queues:
            return None
        # Idle workers poll often: peek without the write lock so polling never blocks writers.
        with self.engine.connect() as conn:
            waiting = conn.execute(
                select(jobs.c.id).where(jobs.c.state == QUEUED, jobs.c.queue.in_(queues)).limit(1)
            ).first()
        if waiting is None:
            return None
        with self._writer.begin() as conn:
            pick = (
                select(jobs)
                .where(jobs.c.state == QUEUED, jobs.c.queue.in_(queues))
                .order_by(jobs.c.enqueued_at, jobs.c.id)
                .limit(1)
                .with_for_update(skip_locked=True)  # rendered only where supported (PostgreSQL)
            )
            row = conn.execute(pick).first()
            if row is None:
                return None
            expires = time.time() + lease_s
            token = int(row.token) + 1
            result = conn.execute(
                update(jobs)
                .where(jobs.c.id == row.id, jobs.c.state == QUEUED, jobs.c.token == row.token)
                .values(
                    state=RUNNING,
                    attempts=jobs.c.attempts + 1,
                    token=token,
                    worker_id=worker_id,
                    lease_expires_at=expires,
                )
            )
            if result.rowcount != 1:
                return None
            return Lease(
                job_id=row.id,
                spec=_spec(row._mapping),
                attempt=token,
                worker_id=worker_id,
                expires_at=expires,
            )

    def _fenced(self, lease: Lease) -> Any:
        return update(jobs).where(
            jobs.c.id == lease.job_id, jobs.c.token == lease.attempt, jobs.c.state == RUNNING
        )

    def heartbeat(self, lease: Lease, lease_s: float) -> bool:
        with self._writer.begin() as conn:
            result = conn.execute(
                self._fenced(lease).values(lease_expires_at=time.time() + lease_s)
            )
        return bool(result.rowcount == 1)

    def complete(self, lease: Lease) -> bool:
        with self._writer.begin() as conn:
            result = conn.execute(self._fenced(lease).values(state=DONE, lease_expires_at=None))
        return bool(result.rowcount == 1)

    def fail(self, lease: Lease, reason: str, *, retry: bool) -> DeadJob | None:
        """Retry (back to the queue) unless `retry` is False or attempts are used up.

        Returns the DeadJob when this attempt was the last; None when re-queued or when the lease
        was no longer ours (a stale attempt changes nothing).
        """
        with self._writer.begin() as conn:
            row = conn.execute(
                select(jobs).where(
                    jobs.c.id == lease.job_id,
                    jobs.c.token == lease.attempt,
                    jobs.c.state == RUNNING,
                )
            ).first()
            if row is None:
                return None
            attempts = int(row.attempts)
            final = not retry or attempts >= self.max_attempts
            result = conn.execute(
                self._fenced(lease).values(
                    state=DEAD if final else QUEUED,
                    worker_id=None,
                    lease_expires_at=None,
                    last_error=reason,
                )
            )
            if result.rowcount != 1 or not final:
                return None
            return DeadJob(
                job_id=row.id, spec=_spec(row._mapping), attempts=attempts, reason=reason
            )

    def release(self, lease: Lease) -> bool:
        with self._writer.begin() as conn:
            result = conn.execute(
                self._fenced(lease).values(
                    state=QUEUED,
                    attempts=jobs.c.attempts - 1,
                    worker_id=None,
                    lease_expires_at=None,
                )
            )
        return bool(result.rowcount == 1)

    def reap(self) -> list[DeadJob]:
        dead: list[DeadJob] = []
        now = time.time()
        with self._writer.begin() as conn:
            rows = conn.execute(
                select(jobs)
                .where(jobs.c.state == RUNNING, jobs.c.lease_expires_at < now)
                .with_for_update(skip_locked=True)
            ).all()
            for row in rows:
                final = int(row.attempts) >= self.max_attempts
                reason = (
                    f"The worker stopped responding (lease expired) on attempt {row.attempts} "
                    f"of {self.max_attempts}."
                )
                result = conn.execute(
                    update(jobs)
                    .where(jobs.c.id == row.id, jobs.c.token == row.token, jobs.c.state == RUNNING)
                    .values(
                        state=DEAD if final else QUEUED,
                        worker_id=None,
                        lease_expires_at=None,
                        last_error=reason,
                    )
                )
                if final and result.rowcount == 1:
                    dead.append(
                        DeadJob(
                            job_id=row.id,
                            spec=_spec(row._mapping),
                            attempts=int(row.attempts),
                            reason=reason,
                        )
                    )
        return dead

    def depth(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(jobs.c.queue, func.count())
                .where(jobs.c.state == QUEUED)
                .group_by(jobs.c.queue)
            ).all()
        return {str(q): int(n) for q, n in rows}

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def settled_jobs_of_open_tasks(self, limit: int = 200) -> list[SettledJob]:
        """Jobs that ended (done or dead) while their task is still open, oldest first.

        Normally the worker settles the store right after the queue; a worker killed in between
        leaves exactly this shape behind, which the reaper's sweep repairs. `task_busy` says
        whether the task still has a queued or running job (then only dead jobs need action).
        """
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(jobs)
                .join(tasks, tasks.c.id == jobs.c.task_id)
                .where(jobs.c.state.in_((DONE, DEAD)), tasks.c.status.in_(_OPEN_TASK))
                .order_by(jobs.c.enqueued_at, jobs.c.id)
                .limit(limit)
            ).all()
            task_ids = sorted({r.task_id for r in rows})
            busy = set()
            if task_ids:
                busy = {
                    str(t)
                    for (t,) in conn.execute(
                        select(jobs.c.task_id)
                        .where(jobs.c.task_id.in_(task_ids), jobs.c.state.in_((QUEUED, RUNNING)))
                        .distinct()
                    )
                }
        return [
            SettledJob(
                job_id=r.id,
                spec=_spec(r._mapping),
                state=str(r.state),
                attempts=int(r.attempts),
                token=int(r.token),
                reason=str(r.last_error or ""),
                task_busy=r.task_id in busy,
            )
            for r in rows
        ]

    # --- inspection (tests, metrics, doctor): not part of the port ----------------------
    def job(self, job_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(jobs).where(jobs.c.id == job_id)).first()
        return dict(row._mapping) if row else None

    def jobs_for_task(self, task_id: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(jobs).where(jobs.c.task_id == task_id).order_by(jobs.c.enqueued_at)
            ).all()
        return [dict(r._mapping) for r in rows]

    def running(self) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count()).select_from(jobs).where(jobs.c.state == RUNNING)
                ).scalar_one()
            )


def _spec(m: Any) -> JobSpec:
    return JobSpec(
        task_id=m["task_id"],
        clip_id=m["clip_id"],
        kind=m["kind"],
        queue=m["queue"],
        payload=dict(m["payload"] or {}),
    )
