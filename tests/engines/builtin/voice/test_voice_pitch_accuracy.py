"""The quality.md bar for vocal pitch, measured with pyin on rendered phrases: median absolute
error <= 15 cents and >= 95% of the notes of >= 150 ms within 50 cents, for both voices. These
guard the recipe's dependence on hibari's internals (durations tensor, spectral branches)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from songsmith.engines.builtin.voice import sing
from songsmith.engines.score import Note

LINES = [
    "Walking down the empty street tonight",
    "Every heartbeat whispers out your name",
    "Hold me close and say goodbye",
]
SR = 44100


@pytest.mark.parametrize(
    ("gender", "base_pitch"),
    [("female", 62), ("male", 48)],  # D4 and C3 up to an octave and a half: each voice's range
)
def test_sung_pitch_meets_the_quality_bar(
    gender: str,
    base_pitch: int,
    make_melody: Callable[..., list[Note]],
    measure_pitch_errors: Callable[..., np.ndarray],
) -> None:
    notes = make_melody(LINES, base_pitch=base_pitch)
    audio = sing(notes, gender=gender, sample_rate=SR, seed=1)
    errors = measure_pitch_errors(audio, notes, SR)
    assert len(errors) >= 25
    assert float(np.median(np.abs(errors))) <= 15.0
    assert float(np.mean(np.abs(errors) <= 50.0)) >= 0.95


def test_a_non_english_line_is_sung_on_pitch(
    make_melody: Callable[..., list[Note]],
    measure_pitch_errors: Callable[..., np.ndarray],
) -> None:
    notes = make_melody(["Bailando bajo la luna, mi corazón"], base_pitch=60, language="es")
    audio = sing(notes, gender="female", sample_rate=SR, language="es")
    errors = measure_pitch_errors(audio, notes, SR)
    assert float(np.median(np.abs(errors))) <= 15.0
    assert float(np.mean(np.abs(errors) <= 50.0)) >= 0.9
