"""Distributed mode refuses to start without an API key (serve and worker)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from distributed_fleet import Fleet, admin_url, create_database, drop_database, server_answers

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]


def test_distributed_mode_refuses_to_start_without_api_keys(tmp_path: Path) -> None:
    if reason := server_answers(admin_url()):
        pytest.skip(reason)
    url = create_database(admin_url())  # a database with no stored key
    try:
        env = Fleet(tmp_path, url).env()
        del env["SONGSMITH_API_KEY"]
        for command in ("serve", "worker"):
            result = subprocess.run(
                [sys.executable, "-c", "from songsmith.cli import app; app()", command,
                 "--database-url", url],
                env=env, capture_output=True, timeout=60,
            )  # fmt: skip
            assert result.returncode == 2, result.stdout + result.stderr
            assert b"needs an API key" in result.stderr
    finally:
        drop_database(admin_url(), url)
