"""`songsmith render --engine acestep --preset debug` on a CPU: the tiny random-weight model
end to end through the CLI, mastered and encoded like any other engine's output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("torch", reason="the acestep extra (torch) is not installed here")
pytest.importorskip("diffusers", reason="the acestep extra (diffusers) is not installed here")


def test_render_cli_with_debug_preset(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from songsmith.cli import app
    from songsmith.media.codecs import decode_audio

    lyrics = tmp_path / "lyrics.txt"
    lyrics.write_text("[Verse]\nsmall test song\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "render", "--engine", "acestep", "--preset", "debug", "--tags", "pop",
            "--lyrics", str(lyrics), "--seed", "3", "--max-duration", "10", "--out", str(out),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    meta = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    assert meta["engine"] == "acestep" and meta["seed"] == 3
    audio, rate = decode_audio((out / "song.mp3").read_bytes())
    assert rate == 44100 and len(audio) > rate  # more than a second of (random-model) audio
