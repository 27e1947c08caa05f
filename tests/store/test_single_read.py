"""SQLite specifics of the poll read: no transaction left open, never blocked by a writer."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import QueuePool

from songsmith.domain.models import Clip, Task
from songsmith.domain.statuses import Action, ClipStatus, Mode, TaskStatus
from songsmith.store.db import SQLITE_MAX_OVERFLOW, SQLITE_POOL_SIZE, writer
from songsmith.store.schema import tasks
from songsmith.store.sql import SqlStore


def _store_with_task(tmp_path: Path) -> SqlStore:
    store = SqlStore(f"sqlite:///{tmp_path / 'db.sqlite'}")
    task = Task(
        id="t1",
        key_id="k1",
        action=Action.MUSIC,
        mode=Mode.CUSTOM,
        status=TaskStatus.SUBMITTED,
        submit_time=1,
        request={},
    )
    clip = Clip(
        id="c0",
        task_id="t1",
        key_id="k1",
        index=0,
        status=ClipStatus.SUBMITTED,
        title="",
        mv="chirp-auk",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    store.create_task(task, [clip])
    return store


def test_poll_read_leaves_no_transaction_on_pooled_connections(tmp_path: Path) -> None:
    store = _store_with_task(tmp_path)
    found = store.get_task_with_clips("t1", "k1")
    assert found is not None and [c.id for c in found[1]] == ["c0"]
    raw = store.engine.raw_connection()  # the connection the read just gave back
    try:
        assert raw.driver_connection is not None
        assert raw.driver_connection.in_transaction is False
    finally:
        raw.close()
    store.close()


def test_poll_read_sees_last_commit_while_a_writer_holds_the_lock(tmp_path: Path) -> None:
    store = _store_with_task(tmp_path)
    with writer(store.engine).begin() as conn:  # BEGIN IMMEDIATE: the write lock is held
        conn.execute(update(tasks).where(tasks.c.id == "t1").values(progress=55))
        found = store.get_task_with_clips("t1", "k1")  # WAL: not blocked, not dirty
        assert found is not None and found[0].progress == 0
    found = store.get_task_with_clips("t1", "k1")
    assert found is not None and found[0].progress == 55
    store.close()


def test_pool_holds_a_connection_per_server_thread(tmp_path: Path) -> None:
    store = _store_with_task(tmp_path)
    pool = store.engine.pool
    assert isinstance(pool, QueuePool) and pool.size() == SQLITE_POOL_SIZE >= 40
    assert SQLITE_MAX_OVERFLOW > 0
    store.close()


def test_driver_errors_surface_as_sqlalchemy_errors(tmp_path: Path) -> None:
    # The API maps SQLAlchemy's OperationalError to 503; a bare sqlite3 error would be a 500.
    store = _store_with_task(tmp_path)
    with writer(store.engine).begin() as conn:
        conn.execute(text("DROP TABLE clips"))
    with pytest.raises(OperationalError, match="no such table"):
        store.get_task_with_clips("t1", "k1")
    store.close()
