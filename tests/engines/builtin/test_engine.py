"""The assembled engine: real soundfont rendering, real singing, real mixing (short songs)."""

from __future__ import annotations

import numpy as np
import pytest

from songsmith.domain.statuses import Mode
from songsmith.engines.builtin.engine import SAMPLE_RATE, BuiltinEngine, preview_end_s
from songsmith.engines.typing import Audio, Song

from .conftest import make_job

SHORT = "[Verse]\nSunlight on the water\nI can hear you calling\n\n[Chorus]\nCome home, come home\n"


def _db(x: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.square(x, dtype=np.float64))) + 1e-12))


@pytest.fixture(scope="module")
def engine() -> BuiltinEngine:
    return BuiltinEngine()


@pytest.fixture(scope="module")
def streamed(engine: BuiltinEngine) -> tuple[Song, list[Audio], list[tuple[int, int]]]:
    chunks: list[Audio] = []
    progress: list[tuple[int, int]] = []
    job = make_job(lyrics=SHORT, tags="pop, female vocals", seed=5)
    song = engine.generate(job, lambda d, t: progress.append((d, t)), chunks.append)
    return song, chunks, progress


def test_song_has_exact_stems_and_a_streamed_mix(
    streamed: tuple[Song, list[Audio], list[tuple[int, int]]],
) -> None:
    song, chunks, progress = streamed
    assert song.sample_rate == SAMPLE_RATE
    assert song.mix.dtype == np.float32 and song.mix.shape[1] == 2
    assert {"vocals", "backing_vocals", "drums", "bass"} <= set(song.stems)
    residual = song.mix - np.sum(list(song.stems.values()), axis=0)
    assert _db(residual) - _db(song.mix) <= -30
    # the engine streams the preview, up to a section boundary (the worker continues the
    # stream with the final mp3), and the preview sounds like the song's opening
    streamed_audio = np.concatenate(chunks)
    assert song.score is not None
    cut = round(preview_end_s(song.score) * SAMPLE_RATE)
    assert streamed_audio.shape == (cut, 2)
    head = streamed_audio[: cut - SAMPLE_RATE // 2], song.mix[: cut - SAMPLE_RATE // 2]
    assert np.corrcoef(head[0][:, 0], head[1][:, 0])[0, 1] > 0.9
    assert [d for d, _ in progress] == sorted(d for d, _ in progress)
    assert progress[-1][0] == progress[-1][1]


def test_voice_sings_where_the_score_says(
    streamed: tuple[Song, list[Audio], list[tuple[int, int]]],
) -> None:
    song = streamed[0]
    assert song.score is not None
    vocals = song.stems["vocals"]
    intro = next(s for s in song.score.sections if s.name == "intro")
    # silent until the first onset consonant, sung up to ~90 ms ahead of the beat
    assert _db(vocals[: int((intro.end_s - 0.3) * SAMPLE_RATE)]) < -60
    verse = next(s for s in song.score.sections if s.name == "verse")
    sung = vocals[int(verse.start_s * SAMPLE_RATE) : int(verse.end_s * SAMPLE_RATE)]
    assert _db(sung) > -40
    assert song.words and song.words[0].word.startswith("[Verse]\n")
    meta = song.metadata
    assert meta["engine"] == "builtin" and meta["has_vocal"] and meta["vocal_gender"] == "f"
    assert {"bpm", "key", "time_signature", "sections", "seed"} <= set(meta)


def test_same_seed_same_bytes_and_instrumental_has_no_voice(engine: BuiltinEngine) -> None:
    job = make_job(
        lyrics="",
        tags="synthwave",
        seed=9,
        max_duration_s=20.0,
        mode=Mode.INSTRUMENTAL,
        instrumental=True,
    )
    a = engine.generate(job, lambda d, t: None)
    b = engine.generate(job, lambda d, t: None)
    assert a.mix.tobytes() == b.mix.tobytes()
    assert "vocals" not in a.stems and "backing_vocals" not in a.stems
    assert a.metadata["has_vocal"] is False
    assert len(a.mix) <= 20.0 * SAMPLE_RATE
    assert _db(a.mix) > -40
