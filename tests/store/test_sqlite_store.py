"""SQLite specifics of SqlStore: pragmas, migrations, no plaintext keys (S1)."""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from songsmith.domain.models import ApiKey
from songsmith.store.migrate import current, upgrade
from songsmith.store.sql import SqlStore


def test_pragmas(tmp_path: Path) -> None:
    store = SqlStore(f"sqlite:///{tmp_path / 'db.sqlite'}")
    with store.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert (conn.execute(text("PRAGMA busy_timeout")).scalar() or 0) >= 5000
    store.close()


def _upgrade(url: str) -> str | None:
    upgrade(url)
    return current(url)


def test_concurrent_migrations_from_many_processes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sub' / 'db.sqlite'}"
    with ProcessPoolExecutor(3) as pool:
        revisions = list(pool.map(_upgrade, [url] * 3))
    assert revisions == ["0001"] * 3


def test_no_plaintext_key_in_database_files(tmp_path: Path) -> None:
    """S1: only the SHA-256 of a key is stored; the secret appears in no database file."""
    db = tmp_path / "db.sqlite"
    store = SqlStore(f"sqlite:///{db}")
    secret = "sk-" + secrets.token_urlsafe(32)
    digest = hashlib.sha256(secret.encode()).hexdigest()
    store.create_key(
        ApiKey("key_1", "dev", digest, "whsec_" + secrets.token_hex(16), datetime.now(UTC))
    )
    assert store.find_key_by_hash(digest) is not None
    store.close()
    blob = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("db.sqlite"))
    assert digest.encode() in blob  # the files were read for real
    assert secret.encode() not in blob
    assert secret[3:].encode() not in blob
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
