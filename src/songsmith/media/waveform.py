"""The amplitude envelope players draw (`waveform_data` of the timing object, suno-wire.md 4.5)."""

from __future__ import annotations

from typing import Any

import numpy as np

DEFAULT_POINTS = 500


def envelope(audio: np.ndarray[Any, Any], points: int = DEFAULT_POINTS) -> list[float]:
    """Peak amplitude of each of `points` equal slices, scaled so the loudest slice is 1.0.

    Silence (or no audio) gives all zeros; fewer samples than points repeats samples so the list
    always has `points` values.
    """
    if points <= 0:
        return []
    magnitude = np.abs(np.asarray(audio, dtype=np.float32))
    if magnitude.ndim == 2:
        magnitude = magnitude.max(axis=1)
    if magnitude.size == 0:
        return [0.0] * points
    edges = np.linspace(0, magnitude.size, points + 1).astype(np.int64)
    starts = np.minimum(edges[:-1], magnitude.size - 1)
    # reduceat takes the max over [start_i, start_{i+1}); an empty slice yields its start sample.
    peaks = np.maximum.reduceat(magnitude, starts).astype(np.float64)
    top = float(peaks.max())
    if top > 0:
        peaks /= top
    return [round(float(p), 4) for p in peaks]
