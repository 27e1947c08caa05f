"""One short source song, rendered once, that every edit-mode test builds on."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from songsmith.domain.statuses import Mode
from songsmith.engines.builtin.engine import SAMPLE_RATE, BuiltinEngine
from songsmith.engines.typing import Audio, GenerationJob, Song, SourceMaterial

SOURCE_LYRICS = (
    "[Verse]\nSunlight on the water\nI can hear you calling\n\n"
    "[Chorus]\nCome home, come home\nThe night is long\n"
)
SOURCE_TAGS = "pop, female vocals"
SOURCE_SEED = 5


def db(x: np.ndarray) -> float:
    """RMS level in dBFS."""
    return float(20 * np.log10(np.sqrt(np.mean(np.square(x, dtype=np.float64))) + 1e-12))


def span(audio: Audio, start_s: float, end_s: float) -> Audio:
    return audio[round(start_s * SAMPLE_RATE) : round(end_s * SAMPLE_RATE)]


def scale_share(audio: Audio, tonic: int, mode: str) -> float:
    """Share of the audio's chroma energy on the pitch classes of (tonic, mode)'s scale."""
    import librosa

    steps = (0, 2, 4, 5, 7, 9, 11) if mode == "major" else (0, 2, 3, 5, 7, 8, 10)
    chroma = librosa.feature.chroma_stft(y=audio.mean(axis=1), sr=SAMPLE_RATE).sum(axis=1)
    on_scale = sum(chroma[(tonic + s) % 12] for s in steps)
    return float(on_scale / chroma.sum())


@pytest.fixture(scope="session")
def source_song() -> Song:
    job = GenerationJob(
        mode=Mode.CUSTOM,
        seed=SOURCE_SEED,
        max_duration_s=60.0,
        lyrics=SOURCE_LYRICS,
        tags=SOURCE_TAGS,
    )
    return BuiltinEngine().generate(job, lambda _d, _t: None)


@pytest.fixture(scope="session")
def source(source_song: Song) -> SourceMaterial:
    """The song as the pipeline hands it over: audio, score, stems and the clip's metadata."""
    meta = dict(source_song.metadata, tags=SOURCE_TAGS, prompt=SOURCE_LYRICS, type="gen")
    return SourceMaterial(
        clip_id="clip-a",
        audio=source_song.mix,
        sample_rate=source_song.sample_rate,
        score=source_song.score,
        stems=dict(source_song.stems),
        metadata=meta,
    )


def edit_job(mode: Mode, source: SourceMaterial, **overrides: Any) -> GenerationJob:
    values: dict[str, Any] = {"mode": mode, "seed": 21, "max_duration_s": 60.0, "source": source}
    values.update(overrides)
    return GenerationJob(**values)
