"""`retry_database`: real SQLite errors are retried with backoff; bugs and shutdown are not."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from songsmith.services.worker.db_retry import (
    DatabaseGaveUp,
    is_database_outage,
    retry_database,
)


def test_an_outage_is_retried_with_doubling_delays_until_the_database_is_back(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "not-yet" / "songsmith.db"
    engine = create_engine(f"sqlite:///{db_path}")
    delays: list[float] = []

    def query() -> int:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT 41 + 1")).scalar_one())

    def sleep(seconds: float) -> None:
        delays.append(seconds)
        if len(delays) == 3:  # the database comes back after the third wait
            db_path.parent.mkdir()

    result = retry_database(
        query, what="test query", give_up=lambda: False, sleep=sleep, first_delay_s=0.1,
        max_delay_s=0.3,
    )  # fmt: skip
    assert result == 42
    assert delays == [0.1, 0.2, 0.3]
    engine.dispose()


def test_shutdown_during_an_outage_gives_up_with_the_cause(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    waits: list[float] = []

    def query() -> None:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    with pytest.raises(DatabaseGaveUp) as info:
        retry_database(query, what="q", give_up=lambda: len(waits) >= 2, sleep=waits.append)
    assert len(waits) == 2
    cause = info.value.__cause__
    assert cause is not None and is_database_outage(cause)
    engine.dispose()


def test_errors_that_are_not_an_outage_surface_at_once(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    waits: list[float] = []

    def duplicate() -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))

    with pytest.raises(IntegrityError):
        retry_database(duplicate, what="insert", give_up=lambda: False, sleep=waits.append)
    assert waits == []
    assert not is_database_outage(ValueError("a bug"))
    engine.dispose()
