"""How `songsmith serve` runs uvicorn: access log opt-in, settings from the environment."""

from __future__ import annotations

import pytest

from songsmith.cli import uvicorn_options
from songsmith.config import Settings


def test_access_log_is_off_by_default_and_on_by_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SONGSMITH_ACCESS_LOG", raising=False)
    options = uvicorn_options(Settings(host="127.0.0.1", port=8123, log_level="WARNING"))
    assert options["access_log"] is False
    assert (options["host"], options["port"], options["log_level"]) == (
        "127.0.0.1",
        8123,
        "warning",
    )
    monkeypatch.setenv("SONGSMITH_ACCESS_LOG", "true")
    assert uvicorn_options(Settings())["access_log"] is True


def test_options_are_accepted_by_uvicorn() -> None:
    import uvicorn

    config = uvicorn.Config("songsmith.api.app:create_app", **uvicorn_options(Settings()))
    assert config.access_log is False and config.backlog >= 2048
