"""The CLI's key commands and the first-start key announcement."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from songsmith.cli import announce_keys, app
from songsmith.config import Settings
from songsmith.services.keys import hash_key
from songsmith.store.sql import SqlStore


def test_keys_create_list_revoke(tmp_path: Path) -> None:
    runner = CliRunner()
    created = runner.invoke(app, ["keys", "create", "--name", "ci", "--data-dir", str(tmp_path)])
    assert created.exit_code == 0, created.output
    lines = dict(line.split(":", 1) for line in created.output.strip().splitlines())
    key_id, secret = lines["id"].strip(), lines["API key"].strip()
    assert secret.startswith("sk-")
    listed = runner.invoke(app, ["keys", "list", "--data-dir", str(tmp_path)])
    assert key_id in listed.output and "active" in listed.output and secret not in listed.output
    revoked = runner.invoke(app, ["keys", "revoke", key_id, "--data-dir", str(tmp_path)])
    assert revoked.exit_code == 0
    assert "revoked" in runner.invoke(app, ["keys", "list", "--data-dir", str(tmp_path)]).output
    assert runner.invoke(app, ["keys", "revoke", "key_nope", "--data-dir", str(tmp_path)]).exit_code
    store = SqlStore(f"sqlite:///{tmp_path / 'songsmith.db'}")
    assert store.find_key_by_hash(hash_key(secret)) is None  # revoked
    store.close()


def test_first_start_creates_and_prints_a_key_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(data_dir=tmp_path)
    store = SqlStore(settings.resolved_database_url)
    announce_keys(store, settings)
    first = capsys.readouterr().out
    secret = next(w for w in first.split() if w.startswith("sk-"))
    assert store.find_key_by_hash(hash_key(secret)) is not None
    announce_keys(store, settings)
    second = capsys.readouterr().out
    assert "sk-" not in second and "songsmith keys create" in second
    assert len(store.list_keys()) == 1
    store.close()


def test_env_key_suppresses_the_generated_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(data_dir=tmp_path, api_key="sk-from-env-for-cli-test")
    store = SqlStore(settings.resolved_database_url)
    announce_keys(store, settings)
    out = capsys.readouterr().out
    assert "SONGSMITH_API_KEY" in out and "sk-from-env" not in out
    assert [k.name for k in store.list_keys()] == ["env:SONGSMITH_API_KEY"]
    store.close()


def test_doctor(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["doctor", "--data-dir", str(tmp_path)])
    assert "[ok] database" in result.output and "[ok] mp3 encoder" in result.output
