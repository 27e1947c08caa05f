"""Distributed-mode fixtures: a fresh PostgreSQL database per test module (skipped with the reason
when no server answers at SONGSMITH_TEST_DATABASE_URL), and the process fleet helpers."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from distributed_fleet import admin_url, create_database, drop_database, server_answers


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    reason = server_answers(admin_url())
    if reason:
        pytest.skip(reason)
    url = create_database(admin_url())
    try:
        yield url
    finally:
        drop_database(admin_url(), url)
