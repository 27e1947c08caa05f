"""PostgreSQL sessions end when left idle inside a transaction, so a frozen worker cannot keep
lease rows locked (and skipped by every other worker's SKIP LOCKED claims) for ever."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from songsmith.store.db import PG_IDLE_IN_TRANSACTION_TIMEOUT_MS, make_engine

URL = os.environ.get("SONGSMITH_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.mark.postgres
def test_postgres_sessions_time_out_when_idle_in_a_transaction() -> None:
    engine = make_engine(URL)
    try:
        with engine.connect() as conn:
            value = conn.execute(text("SHOW idle_in_transaction_session_timeout")).scalar_one()
    except OperationalError as exc:
        pytest.skip(f"no PostgreSQL server answers at {URL}: {exc}")
    finally:
        engine.dispose()
    assert value == f"{PG_IDLE_IN_TRANSACTION_TIMEOUT_MS // 1000}s"
