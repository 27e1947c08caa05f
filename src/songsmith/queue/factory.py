"""`make_queue(settings)`: the queue implementation the configuration selects.

`settings.queue_backend` names it; empty means "by database": the embedded `SqlQueue` on SQLite,
`ProcrastinateQueue` on PostgreSQL (distributed mode). Callers never import an implementation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from songsmith.store.db import is_sqlite

if TYPE_CHECKING:
    from songsmith.config import Settings
    from songsmith.queue.typing import Queue

BACKENDS = ("sql", "procrastinate")


def queue_backend(settings: Settings) -> str:
    chosen = str(getattr(settings, "queue_backend", "") or "")
    if chosen:
        if chosen not in BACKENDS:
            raise ValueError(f"unknown queue backend {chosen!r}; choose one of {BACKENDS}")
        return chosen
    return "sql" if is_sqlite(settings.resolved_database_url) else "procrastinate"


def make_queue(settings: Settings, *, migrate: bool = True) -> Queue:
    """The configured queue. `migrate` creates its tables (idempotent, safe across processes)."""
    url = settings.resolved_database_url
    if queue_backend(settings) == "procrastinate":
        if is_sqlite(url):
            raise ValueError("the procrastinate queue needs a PostgreSQL database_url")
        from songsmith.queue.procrastinate import ProcrastinateQueue

        return ProcrastinateQueue(url, max_attempts=settings.max_attempts, migrate=migrate)
    from songsmith.queue.sql import SqlQueue

    return SqlQueue(url, max_attempts=settings.max_attempts, migrate=migrate)
