"""`ProcrastinateQueue`: the distributed queue, on Procrastinate's PostgreSQL schema.

Jobs are Procrastinate jobs (`procrastinate_jobs`, task name `songsmith.job`, one Procrastinate
queue per engine), deferred, fetched (`FOR UPDATE SKIP LOCKED`), retried and finished through
Procrastinate's own SQL functions, and workers register and heartbeat in `procrastinate_workers`,
so Procrastinate's tooling (`procrastinate` CLI, admin, healthchecks) sees the real state.

What the queue port needs beyond Procrastinate lives in one side table, `songsmith_job_leases`,
updated in the same transaction as the Procrastinate row:
- `token`: the fencing token (`Lease.attempt`). It only grows; every settling call is a
  compare-and-set on it, so a stale worker's late result changes nothing (R4).
- `counted`: attempts toward `max_attempts` (a graceful release gives one back; Procrastinate's
  own `attempts` column counts every retry, so it cannot be that counter).
- `lease_expires_at`: per-job lease on the database clock (workers on other machines may drift);
  `reap()` is the periodic stalled-job retry.
Every statement goes through SQLAlchemy, so a database outage surfaces as
`sqlalchemy.exc.OperationalError` (the API answers 503 + Retry-After).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.engine import Connection

from songsmith.queue.typing import DeadJob, JobSpec, Lease
from songsmith.store.db import make_engine

TASK_NAME = "songsmith.job"
SCHEMA_LOCK_KEY = 715518  # pg_advisory_xact_lock key; store migrations use 715517
WORKER_HEARTBEAT_EVERY_S = 5.0  # refresh of procrastinate_workers.last_heartbeat while idle
WORKER_ALIVE_S = 60.0  # a worker heard from within this is counted alive (metrics)
WORKER_PRUNE_S = 600.0  # reap() deletes Procrastinate worker rows silent this long

_LEASES_DDL = """
CREATE TABLE IF NOT EXISTS songsmith_job_leases (
    job_id bigint PRIMARY KEY REFERENCES procrastinate_jobs(id) ON DELETE CASCADE,
    token integer NOT NULL DEFAULT 0,
    counted integer NOT NULL DEFAULT 0,
    worker_name text,
    lease_expires_at double precision,
    last_error text NOT NULL DEFAULT ''
)
"""
_DB_NOW = "extract(epoch from clock_timestamp())"


def apply_schema(engine: Engine) -> None:
    """Create Procrastinate's schema (if absent) and songsmith's lease table. Many processes may
    call this at once: an advisory lock serialises them."""
    from procrastinate.schema import SchemaManager

    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SCHEMA_LOCK_KEY})
        present = conn.execute(text("SELECT to_regclass('procrastinate_jobs')")).scalar()
        if present is None:
            # Raw cursor: the schema text holds '%' signs that bound-parameter parsing would eat.
            raw: Any = conn.connection.dbapi_connection
            with raw.cursor() as cur:
                cur.execute(SchemaManager.get_schema())
        conn.execute(text(_LEASES_DDL))


class ProcrastinateQueue:
    """Implements `songsmith.queue.typing.Queue` on PostgreSQL through Procrastinate."""

    def __init__(self, url: str, *, max_attempts: int = 3, migrate: bool = True) -> None:
        self.url = url
        self.max_attempts = max_attempts
        self.engine: Engine = make_engine(url)
        if migrate:
            apply_schema(self.engine)
        self._workers: dict[str, tuple[int, float]] = {}  # name -> (procrastinate id, beat at)
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            ids = [pid for pid, _ in self._workers.values()]
            self._workers.clear()
        try:
            with self.engine.begin() as conn:
                for pid in ids:
                    conn.execute(text("SELECT procrastinate_unregister_worker_v1(:w)"), {"w": pid})
        except Exception:  # closing must not fail because the database went away
            pass
        self.engine.dispose()

    # --- the port ---------------------------------------------------------------------------
    def enqueue(self, spec: JobSpec) -> str:
        import json

        args = {
            "task_id": spec.task_id,
            "clip_id": spec.clip_id,
            "kind": spec.kind,
            "payload": dict(spec.payload),
        }
        with self.engine.begin() as conn:
            job_id = conn.execute(
                text(
                    "SELECT (procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, 0, NULL, NULL,"
                    " CAST(:args AS jsonb), NULL)::procrastinate_job_to_defer_v1]))[1]"
                ),
                {"queue": spec.queue, "task": TASK_NAME, "args": json.dumps(args)},
            ).scalar_one()
            conn.execute(
                text("INSERT INTO songsmith_job_leases (job_id) VALUES (:id)"), {"id": job_id}
            )
        return str(job_id)

    def claim(self, worker_id: str, queues: list[str], lease_s: float) -> Lease | None:
        if not queues:
            return None
        # Idle workers poll often: a plain read first, so polling takes no row locks.
        with self.engine.connect() as conn:
            waiting = conn.execute(
                text(
                    "SELECT 1 FROM procrastinate_jobs WHERE status = 'todo'"
                    " AND queue_name = ANY(CAST(:q AS varchar[])) LIMIT 1"
                ),
                {"q": list(queues)},
            ).first()
        if waiting is None:
            self._idle_heartbeat(worker_id)
            return None
        with self.engine.begin() as conn:
            pid = self._procrastinate_worker(conn, worker_id)
            job = conn.execute(
                text("SELECT * FROM procrastinate_fetch_job_v2(CAST(:q AS varchar[]), :w)"),
                {"q": list(queues), "w": pid},
            ).first()
            if job is None or job.id is None:
                return None
            lease = conn.execute(
                text(
                    "UPDATE songsmith_job_leases SET token = token + 1, counted = counted + 1,"
                    f" worker_name = :name, lease_expires_at = {_DB_NOW} + :lease"
                    " WHERE job_id = :id RETURNING token, lease_expires_at"
                ),
                {"name": worker_id, "lease": lease_s, "id": job.id},
            ).first()
            if lease is None:  # a job deferred by something else than songsmith: leave it
                raise RuntimeError(f"procrastinate job {job.id} has no songsmith lease row")
            return Lease(
                job_id=str(job.id),
                spec=_spec(job.queue_name, job.args),
                attempt=int(lease.token),
                worker_id=worker_id,
                expires_at=float(lease.lease_expires_at),
            )

    def heartbeat(self, lease: Lease, lease_s: float) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(
                text(
                    f"UPDATE songsmith_job_leases AS l SET lease_expires_at = {_DB_NOW} + :lease"
                    " FROM procrastinate_jobs AS j WHERE l.job_id = :id AND l.token = :token"
                    " AND j.id = l.job_id AND j.status = 'doing'"
                ),
                {"lease": lease_s, "id": int(lease.job_id), "token": lease.attempt},
            )
            ours = result.rowcount == 1
            if ours:
                pid = self._procrastinate_worker(conn, lease.worker_id)
                conn.execute(text("SELECT procrastinate_update_heartbeat_v1(:w)"), {"w": pid})
        return bool(ours)

    def complete(self, lease: Lease) -> bool:
        with self.engine.begin() as conn:
            if _locked_if_ours(conn, lease) is None:
                return False
            conn.execute(
                text("SELECT procrastinate_finish_job_v1(:id, 'succeeded', false)"),
                {"id": int(lease.job_id)},
            )
            _clear_lease(conn, lease, error=None)
        return True

    def fail(self, lease: Lease, reason: str, *, retry: bool) -> DeadJob | None:
        """Retry unless `retry` is False or attempts are used up (then the DeadJob is returned);
        None as well when the lease is no longer ours: a stale attempt changes nothing."""
        with self.engine.begin() as conn:
            row = _locked_if_ours(conn, lease)
            if row is None:
                return None
            counted = int(row.counted)
            final = not retry or counted >= self.max_attempts
            if final:
                _finish_failed(conn, int(lease.job_id))
            else:
                _retry(conn, int(lease.job_id))
            _clear_lease(conn, lease, error=reason)
        if not final:
            return None
        return DeadJob(job_id=lease.job_id, spec=lease.spec, attempts=counted, reason=reason)

    def release(self, lease: Lease) -> bool:
        with self.engine.begin() as conn:
            if _locked_if_ours(conn, lease) is None:
                return False
            _retry(conn, int(lease.job_id))
            conn.execute(
                text(
                    "UPDATE songsmith_job_leases SET counted = counted - 1, worker_name = NULL,"
                    " lease_expires_at = NULL WHERE job_id = :id"
                ),
                {"id": int(lease.job_id)},
            )
        return True

    def reap(self) -> list[DeadJob]:
        """The periodic stalled-job retry: jobs whose lease expired go back to their queue, or
        end as dead after `max_attempts`. Safe to run in many processes at once."""
        dead: list[DeadJob] = []
        with self.engine.begin() as conn:
            rows = conn.execute(
                text(
                    "SELECT j.id, j.queue_name, j.args, l.counted FROM procrastinate_jobs AS j"
                    " JOIN songsmith_job_leases AS l ON l.job_id = j.id"
                    f" WHERE j.status = 'doing' AND l.lease_expires_at < {_DB_NOW}"
                    " ORDER BY j.id FOR UPDATE OF j, l SKIP LOCKED"
                )
            ).all()
            for row in rows:
                counted = int(row.counted)
                final = counted >= self.max_attempts
                reason = (
                    f"The worker stopped responding (lease expired) on attempt {counted} "
                    f"of {self.max_attempts}."
                )
                if final:
                    _finish_failed(conn, int(row.id))
                else:
                    _retry(conn, int(row.id))
                conn.execute(
                    text(
                        "UPDATE songsmith_job_leases SET worker_name = NULL,"
                        " lease_expires_at = NULL, last_error = :e WHERE job_id = :id"
                    ),
                    {"e": reason, "id": row.id},
                )
                if final:
                    spec = _spec(row.queue_name, row.args)
                    dead.append(DeadJob(str(row.id), spec, counted, reason))
            conn.execute(
                text("SELECT procrastinate_prune_stalled_workers_v1(:s)"), {"s": WORKER_PRUNE_S}
            )
        return dead

    def depth(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT queue_name, count(*) FROM procrastinate_jobs"
                    " WHERE status = 'todo' AND task_name = :t GROUP BY queue_name"
                ),
                {"t": TASK_NAME},
            ).all()
        return {str(q): int(n) for q, n in rows}

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    # --- inspection (metrics, tests): not part of the port ----------------------------------
    def stats(self) -> dict[str, int]:
        """Workers alive, jobs running, stalled jobs (running with an expired lease)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM procrastinate_workers WHERE last_heartbeat >"
                    " now() - make_interval(secs => :alive)) AS workers_alive,"
                    " (SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing'"
                    "  AND task_name = :t) AS running,"
                    " (SELECT count(*) FROM procrastinate_jobs AS j JOIN songsmith_job_leases AS l"
                    "  ON l.job_id = j.id WHERE j.status = 'doing'"
                    f"  AND l.lease_expires_at < {_DB_NOW}) AS stalled"
                ),
                {"alive": WORKER_ALIVE_S, "t": TASK_NAME},
            ).one()
        return {
            "workers_alive": int(row.workers_alive),
            "running": int(row.running),
            "stalled": int(row.stalled),
        }

    def job(self, job_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT j.id, j.queue_name, j.status::text AS status, j.args, j.attempts,"
                    " l.token, l.counted, l.worker_name, l.lease_expires_at, l.last_error"
                    " FROM procrastinate_jobs AS j JOIN songsmith_job_leases AS l"
                    " ON l.job_id = j.id WHERE j.id = :id"
                ),
                {"id": int(job_id)},
            ).first()
        return dict(row._mapping) if row else None

    # --- Procrastinate worker rows ------------------------------------------------------------
    def _procrastinate_worker(self, conn: Connection, name: str) -> int:
        """This worker's row in `procrastinate_workers` (re-registered if it was pruned)."""
        with self._lock:
            known = self._workers.get(name)
        if known is not None:
            exists = conn.execute(
                text("SELECT 1 FROM procrastinate_workers WHERE id = :w"), {"w": known[0]}
            ).first()
            if exists is not None:
                return known[0]
        pid = int(
            conn.execute(
                text("SELECT worker_id FROM procrastinate_register_worker_v1()")
            ).scalar_one()
        )
        with self._lock:
            self._workers[name] = (pid, time.monotonic())
        return pid

    def _idle_heartbeat(self, name: str) -> None:
        with self._lock:
            known = self._workers.get(name)
        if known is not None and time.monotonic() - known[1] < WORKER_HEARTBEAT_EVERY_S:
            return
        with self.engine.begin() as conn:
            pid = self._procrastinate_worker(conn, name)
            conn.execute(text("SELECT procrastinate_update_heartbeat_v1(:w)"), {"w": pid})
        with self._lock:
            self._workers[name] = (pid, time.monotonic())


def _locked_if_ours(conn: Connection, lease: Lease) -> Any:
    """The lease row, locked, if `lease` still holds the job (the fencing compare)."""
    return conn.execute(
        text(
            "SELECT l.counted FROM songsmith_job_leases AS l JOIN procrastinate_jobs AS j"
            " ON j.id = l.job_id WHERE l.job_id = :id AND l.token = :token"
            " AND j.status = 'doing' FOR UPDATE OF l, j"
        ),
        {"id": int(lease.job_id), "token": lease.attempt},
    ).first()


def _clear_lease(conn: Connection, lease: Lease, *, error: str | None) -> None:
    # worker_name stays: which worker settled the job is worth keeping for inspection.
    conn.execute(
        text(
            "UPDATE songsmith_job_leases SET lease_expires_at = NULL,"
            " last_error = COALESCE(:e, last_error) WHERE job_id = :id"
        ),
        {"e": error, "id": int(lease.job_id)},
    )


def _retry(conn: Connection, job_id: int) -> None:
    conn.execute(
        text(
            "SELECT procrastinate_retry_job_v2(:id, CAST(NULL AS timestamptz), CAST(NULL AS int),"
            " CAST(NULL AS varchar), CAST(NULL AS varchar))"
        ),
        {"id": job_id},
    )


def _finish_failed(conn: Connection, job_id: int) -> None:
    conn.execute(text("SELECT procrastinate_finish_job_v1(:id, 'failed', false)"), {"id": job_id})


def _spec(queue_name: str, args: Any) -> JobSpec:
    return JobSpec(
        task_id=args["task_id"],
        clip_id=args["clip_id"],
        kind=args["kind"],
        queue=queue_name,
        payload=dict(args.get("payload") or {}),
    )
