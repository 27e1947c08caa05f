"""Fixtures of the HTTP tests: a live server per module, fresh keys per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.helpers import Api, running_api


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    data_dir: Path = tmp_path_factory.mktemp("songsmith-data")
    with running_api(data_dir) as running:
        yield running
