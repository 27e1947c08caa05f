from __future__ import annotations

import numpy as np

from songsmith.media.waveform import envelope

from .audio_fixtures import tone


def test_envelope_follows_the_level_in_0_to_1() -> None:
    audio = tone(220.0, 2.0, amplitude=0.8)
    audio[: len(audio) // 2] *= 0.25
    values = envelope(audio, points=100)
    assert len(values) == 100
    assert max(values) == 1.0 and min(values) >= 0.0
    assert np.mean(values[:50]) < 0.3 and np.mean(values[50:]) > 0.95


def test_envelope_edge_cases() -> None:
    assert envelope(np.zeros((1000, 2)), points=10) == [0.0] * 10
    assert envelope(np.zeros((0, 2)), points=5) == [0.0] * 5
    short = envelope(np.array([0.0, 0.5, 1.0], dtype=np.float32), points=6)
    assert len(short) == 6 and max(short) == 1.0
    assert envelope(np.ones((10, 2)), points=0) == []
