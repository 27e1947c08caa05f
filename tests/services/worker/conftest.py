"""Fixtures for worker and pipeline tests: a real SQLite file, real blobs, the testing engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from songsmith_worker_helpers import make_settings

from songsmith.blobs.local import LocalBlobStore
from songsmith.config import Settings
from songsmith.queue.sql import SqlQueue
from songsmith.store.sql import SqlStore


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("SONGSMITH_TESTING_MARKER_DIR", str(tmp_path / "markers"))
    (tmp_path / "markers").mkdir()
    return make_settings(tmp_path)


@pytest.fixture
def store(settings: Settings) -> Iterator[SqlStore]:
    s = SqlStore(settings.resolved_database_url)
    yield s
    s.close()


@pytest.fixture
def queue(settings: Settings, store: SqlStore) -> Iterator[SqlQueue]:
    q = SqlQueue(settings.resolved_database_url, max_attempts=settings.max_attempts)
    yield q
    q.close()


@pytest.fixture
def blobs(settings: Settings) -> LocalBlobStore:
    return LocalBlobStore(settings.blob_dir, settings.resolved_public_base_url)
