"""Run the packaged Alembic migrations programmatically (no alembic.ini needed)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from songsmith.store.db import is_sqlite, make_engine, normalise_url, writer

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


@contextlib.contextmanager
def _migration_lock(url: str) -> Iterator[None]:
    """Serialise concurrent upgrades (serve and its workers start together)."""
    if is_sqlite(url):
        from sqlalchemy.engine import make_url

        database = make_url(normalise_url(url)).database
        if database and database != ":memory:":
            import fcntl

            lock_path = Path(database).with_name(Path(database).name + ".migrate.lock")
            lock_path.parent.mkdir(parents=True, exist_ok=True)
            with open(lock_path, "a+b") as lock_file:
                fcntl.flock(lock_file, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(lock_file, fcntl.LOCK_UN)
            return
    yield


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` up to `revision`. Safe to call from many processes at once."""
    from alembic import command
    from sqlalchemy import text

    if is_sqlite(url):
        from sqlalchemy.engine import make_url

        database = make_url(normalise_url(url)).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    try:
        with _migration_lock(url):
            with writer(engine).begin() as conn:
                if conn.dialect.name == "postgresql":
                    # Transaction-scoped: released at commit. The key is arbitrary but fixed.
                    conn.execute(text("SELECT pg_advisory_xact_lock(715517)"))
                config = _config()
                config.attributes["connection"] = conn
                command.upgrade(config, revision)
    finally:
        engine.dispose()


def current(url: str) -> str | None:
    """The revision the database is at (None: not migrated)."""
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
