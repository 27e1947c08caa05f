"""Store and queue implementations the contract suites run against.

PostgreSQL is one entry in BACKENDS, added when SONGSMITH_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from songsmith.queue.sql import SqlQueue
from songsmith.store.sql import SqlStore


def _sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'songsmith.db'}"


def _postgres_url(tmp_path: Path) -> str:
    url = os.environ["SONGSMITH_TEST_POSTGRES_URL"]
    from sqlalchemy import text

    from songsmith.store.db import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:  # a clean schema per test
        for table in ("jobs", "personas", "clips", "tasks", "api_keys", "alembic_version"):
            conn.execute(text(f"DROP TABLE IF EXISTS {table} CASCADE"))
    engine.dispose()
    return url


BACKENDS = [pytest.param(_sqlite_url, id="sqlite")]
if os.environ.get("SONGSMITH_TEST_POSTGRES_URL"):
    BACKENDS.append(pytest.param(_postgres_url, id="postgres", marks=pytest.mark.postgres))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    make_url = request.param
    return str(make_url(tmp_path))


@pytest.fixture
def store(database_url: str) -> Iterator[SqlStore]:
    s = SqlStore(database_url)
    yield s
    s.close()


@pytest.fixture
def queue(database_url: str) -> Iterator[SqlQueue]:
    q = SqlQueue(database_url, max_attempts=3)
    yield q
    q.close()
