"""The README stays true: every setting documented, the CI runs the README's test command."""

from __future__ import annotations

from pathlib import Path

from songsmith.config import Settings

ROOT = Path(__file__).resolve().parents[2]
TEST_COMMAND = "pip install uv && uv sync --frozen && uv run pytest"
SERVE_COMMAND = "pip install uv && uv sync --frozen && uv run songsmith serve"


def test_every_setting_is_in_the_configuration_table() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [n for n in Settings.model_fields if f"`SONGSMITH_{n.upper()}`" not in readme]
    assert not missing, f"README configuration table lacks: {missing}"


def test_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    assert SERVE_COMMAND in readme and TEST_COMMAND in readme
    assert TEST_COMMAND in (ROOT / ".ci" / "run").read_text()
