"""Distributed mode (PostgreSQL + Procrastinate): the start-up rules `serve` and `worker` share,
and the extra queue figures `/metrics` exports."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, TypeVar

from songsmith.store.db import is_sqlite

if TYPE_CHECKING:
    from songsmith.config import Settings
    from songsmith.store.typing import Store

log = logging.getLogger("songsmith.distributed")
T = TypeVar("T")


class NoApiKeys(RuntimeError):
    """Distributed mode never invents a key: an API server reachable from other machines must be
    configured with one on purpose."""


def is_distributed(settings: Settings) -> bool:
    return not is_sqlite(settings.resolved_database_url)


def require_api_keys(store: Store, settings: Settings) -> None:
    """Raise `NoApiKeys` unless SONGSMITH_API_KEY is set or an unrevoked key is stored."""
    if settings.api_key:
        return
    if any(not key.revoked for key in store.list_keys()):
        return
    raise NoApiKeys(
        "distributed mode needs an API key: set SONGSMITH_API_KEY, or create one with "
        "`SONGSMITH_DATABASE_URL=... songsmith keys create` before starting."
    )


def wait_for_database(connect: Callable[[], T], *, retry_s: float = 2.0) -> T:
    """`connect()` once the database answers. A worker started while PostgreSQL is down (or
    restarting) waits for it instead of exiting: nothing may be left to restart it."""
    from sqlalchemy.exc import OperationalError

    while True:
        try:
            return connect()
        except OperationalError as exc:
            log.warning("database unavailable (%s); retrying in %g s", type(exc).__name__, retry_s)
            time.sleep(retry_s)


def queue_metrics_lines(stats: Mapping[str, int]) -> str:
    """Prometheus text for `ProcrastinateQueue.stats()` (workers alive, running, stalled)."""
    help_text = {
        "workers_alive": "Queue workers that sent a heartbeat within the last minute.",
        "running": "Jobs claimed by a worker and not settled.",
        "stalled": "Running jobs whose lease expired (the reaper requeues or fails them).",
    }
    lines: list[str] = []
    for name, value in sorted(stats.items()):
        metric = f"songsmith_queue_{name}"
        lines.append(f"# HELP {metric} {help_text.get(name, name)}")
        lines.append(f"# TYPE {metric} gauge")
        lines.append(f"{metric} {int(value)}")
    return "\n".join(lines) + "\n" if lines else ""


def run_worker_pool(settings: Settings, engine_names: list[str], concurrency: int) -> None:
    """`songsmith worker --concurrency N`: N supervised worker processes (each one job at a time,
    each keeping its engine loaded) until SIGTERM/SIGINT, which each of them obeys gracefully
    (stop claiming; finish the job in flight or release its lease)."""
    import signal
    import threading

    from songsmith.services.worker.supervisor import Supervisor

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    supervisor = Supervisor(settings, concurrency, engine_names=engine_names or None)
    supervisor.start()
    try:
        stop.wait()
    finally:
        supervisor.stop()
