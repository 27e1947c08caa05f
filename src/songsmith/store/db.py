"""Engine construction shared by the SQL store and the SQL queue.

Dialect specifics live here and nowhere else: SQLite gets WAL, `synchronous=FULL`, a busy timeout,
foreign keys, and `BEGIN IMMEDIATE` for write transactions (a deferred transaction that reads, then
writes can fail with SQLITE_BUSY without waiting when another process committed in between).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection

SQLITE_BUSY_TIMEOUT_MS = 30_000
# A process frozen inside a transaction (SIGSTOP, a stalled VM) keeps its row locks, and lease
# rows it holds are then skipped by every other worker's claim and reaper (SKIP LOCKED) until it
# wakes. PostgreSQL ends such a session after this long, so the locks go and its lease can expire.
# Our transactions never sit idle for more than milliseconds.
PG_IDLE_IN_TRANSACTION_TIMEOUT_MS = 15_000
_IMMEDIATE = "songsmith_immediate"

# SQLite connections are cheap and opened lazily, so the pool keeps enough of them for every
# thread of the server's thread pool (AnyIO's default: 40) plus the reaper and the queue.
# SQLAlchemy's default (5 kept + 10 overflow) made polls wait for a connection under load, and
# closing overflow connections meant reopening them (and rerunning the pragmas) moments later.
SQLITE_POOL_SIZE = 48
SQLITE_MAX_OVERFLOW = 16


def normalise_url(url: str) -> str:
    """`postgresql://` -> the psycopg 3 driver (the only PostgreSQL driver installed)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def is_sqlite(url: str) -> bool:
    return normalise_url(url).startswith("sqlite")


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if not is_sqlite(url):
        options = f"-c idle_in_transaction_session_timeout={PG_IDLE_IN_TRANSACTION_TIMEOUT_MS}"
        return create_engine(
            url, pool_pre_ping=True, future=True, connect_args={"options": options}
        )
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        pool_size=SQLITE_POOL_SIZE,
        max_overflow=SQLITE_MAX_OVERFLOW,
        future=True,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy's "begin" event below (pysqlite's own is lax).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get(_IMMEDIATE):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


def writer(engine: Engine) -> Engine:
    """The same engine (same pool) whose transactions take the write lock up front on SQLite."""
    return engine.execution_options(**{_IMMEDIATE: True})
