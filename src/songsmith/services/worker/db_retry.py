"""Riding out a database outage: retry a store/queue call with backoff instead of crashing.

A worker that settles a finished job while PostgreSQL restarts (or SQLite is locked) must not
exit: it keeps the outcome and tries again until the database answers. Only errors that mean
"the database is unreachable or busy" are retried; a bug (an IntegrityError, a TypeError) still
surfaces at once. Giving up (shutdown) is safe: the lease expires and the stalled-job retry
hands the job to another attempt; a settle that committed but lost its reply is fenced (the
retry sees "not ours") and the settle sweep finishes the store side.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from typing import TypeVar

log = logging.getLogger("songsmith.worker")

T = TypeVar("T")

FIRST_DELAY_S = 0.25
MAX_DELAY_S = 15.0


class DatabaseGaveUp(RuntimeError):
    """The database stayed unreachable until the caller asked to stop retrying."""


def is_database_outage(exc: BaseException) -> bool:
    """True for errors that mean the database is down, restarting, unreachable or locked."""
    from sqlalchemy import exc as sa

    if isinstance(exc, sa.DBAPIError):
        if exc.connection_invalidated:
            return True
        if isinstance(exc, (sa.OperationalError, sa.InterfaceError)):
            return True
        return exc.orig is not None and is_database_outage(exc.orig)
    if isinstance(exc, sa.TimeoutError):  # no pooled connection came free: the server is gone
        return True
    if isinstance(exc, sqlite3.OperationalError):  # "database is locked"
        return True
    try:
        import psycopg
    except ImportError:
        return False
    return isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError))


def retry_database(
    call: Callable[[], T],
    *,
    what: str,
    give_up: Callable[[], bool],
    sleep: Callable[[float], object] = time.sleep,
    first_delay_s: float = FIRST_DELAY_S,
    max_delay_s: float = MAX_DELAY_S,
) -> T:
    """`call()`, retried with doubling delays while it fails with a database outage.

    `give_up()` is asked before each wait; when it says so, DatabaseGaveUp is raised (from the
    last error). Any other exception propagates unchanged.
    """
    delay = first_delay_s
    failures = 0
    while True:
        try:
            result = call()
        except Exception as exc:
            if not is_database_outage(exc):
                raise
            failures += 1
            if give_up():
                raise DatabaseGaveUp(f"{what}: the database stayed unavailable") from exc
            log.warning(
                "%s failed (database unavailable, try %d); retrying in %.2f s: %s",
                what,
                failures,
                delay,
                exc.__class__.__name__,
            )
            sleep(delay)
            delay = min(max_delay_s, delay * 2)
            continue
        if failures:
            log.info("%s succeeded after %d database failure(s)", what, failures)
        return result
