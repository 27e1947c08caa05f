"""Store and queue implementations the contract suites run against.

SQLite always; PostgreSQL (SqlStore, SqlQueue and ProcrastinateQueue) when a server answers at
`SONGSMITH_TEST_DATABASE_URL` (default `postgresql://postgres@127.0.0.1:5432/postgres`). The
session gets its own fresh database `songsmith_test_<random>`, dropped at the end; each test gets
an empty `public` schema in it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from songsmith.queue.sql import SqlQueue
from songsmith.queue.typing import Queue
from songsmith.store.sql import SqlStore

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def _admin_url() -> str:
    return os.environ.get("SONGSMITH_TEST_DATABASE_URL", DEFAULT_ADMIN_URL)


def _with_database(url: str, database: str) -> str:
    from sqlalchemy.engine import make_url

    from songsmith.store.db import normalise_url

    return make_url(normalise_url(url)).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_session_url() -> Iterator[str]:
    """A fresh database for this test session, or a skip saying why there is none."""
    import psycopg

    admin = _admin_url()
    plain = admin.replace("postgresql+psycopg://", "postgresql://", 1)
    try:
        conn = psycopg.connect(plain, autocommit=True, connect_timeout=3)
    except psycopg.Error as exc:
        pytest.skip(f"no PostgreSQL answers at SONGSMITH_TEST_DATABASE_URL ({admin}): {exc}")
    name = f"songsmith_test_{secrets.token_hex(4)}"
    with conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_database(admin, name)
    finally:
        with psycopg.connect(plain, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _fresh_schema(url: str) -> str:
    from sqlalchemy import text

    from songsmith.store.db import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:  # an empty schema per test: tables, types and functions go
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'songsmith.db'}"
    return _fresh_schema(request.getfixturevalue("postgres_session_url"))


@pytest.fixture
def store(database_url: str) -> Iterator[SqlStore]:
    s = SqlStore(database_url)
    yield s
    s.close()


QUEUES = [
    pytest.param(("sqlite", "sql"), id="sqlite-sqlqueue"),
    pytest.param(("postgres", "sql"), id="postgres-sqlqueue", marks=pytest.mark.postgres),
    pytest.param(
        ("postgres", "procrastinate"), id="postgres-procrastinate", marks=pytest.mark.postgres
    ),
]


@pytest.fixture(params=QUEUES)
def queue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Queue]:
    backend, kind = request.param
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'songsmith.db'}"
    else:
        url = _fresh_schema(request.getfixturevalue("postgres_session_url"))
    if kind == "sql":
        q = SqlQueue(url, max_attempts=3)
        yield q
        q.close()
        return
    from songsmith.queue.procrastinate import ProcrastinateQueue

    pq = ProcrastinateQueue(url, max_attempts=3)
    yield pq
    pq.close()
