from __future__ import annotations

import io
import json
from pathlib import Path

import mido
import numpy as np

from songsmith.engines.builtin.commands import render_to_dir
from songsmith.media.codecs import decode_audio


def test_render_to_dir_writes_every_artifact(tmp_path: Path) -> None:
    lyrics = "[Verse]\nLittle lights in the harbour\n\n[Chorus]\nSail away, sail away\n"
    result = render_to_dir(
        "folk, male vocals", lyrics, "Harbour", 3, None, tmp_path / "out", max_duration_s=30.0
    )
    out = tmp_path / "out"
    for name in (
        "song.mp3",
        "song.wav",
        "song.mid",
        "timings.json",
        "score.json",
        "metadata.json",
        "stems/vocals.wav",
        "stems/backing_vocals.wav",
    ):
        assert (out / name).is_file(), name
    audio, rate = decode_audio((out / "song.mp3").read_bytes())
    assert rate == 44100 and abs(len(audio) / rate - result["duration_s"]) < 0.2
    assert np.abs(audio).max() > 0.1
    assert abs(result["lufs"] + 14) <= 1.0
    timings = json.loads((out / "timings.json").read_text())
    assert [t["word"].split("\n")[-1] for t in timings][:4] == ["Little", "lights", "in", "the"]
    assert timings[0]["word"].startswith("[Verse]\n")
    midi = mido.MidiFile(file=io.BytesIO((out / "song.mid").read_bytes()))
    assert sum(1 for t in midi.tracks for m in t if m.type == "note_on") > 50
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["vocal_gender"] == "m" and meta["title"] == "Harbour"
    assert set(result["files"]) >= {"song.mp3", "song.mid"}
