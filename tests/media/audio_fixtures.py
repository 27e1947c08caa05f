"""Generated test audio (no binary fixtures): a drum-and-bass-like loop with real transients."""

from __future__ import annotations

import numpy as np

RATE = 44100


def tone(freq: float, seconds: float, amplitude: float = 0.5, rate: int = RATE) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    mono = amplitude * np.sin(2 * np.pi * freq * t)
    return np.stack([mono, mono], axis=1).astype(np.float32)


def groove(seconds: float, rate: int = RATE, seed: int = 0) -> dict[str, np.ndarray]:
    """Stems 'drums' (kick every half second, hats) and 'bass' (a moving 55-110 Hz line)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    t = np.arange(n) / rate
    kick = np.zeros(n)
    hit = np.arange(4000)
    body = np.sin(2 * np.pi * 60 * hit / rate) * np.exp(-hit / 800)
    for start in range(0, n, rate // 2):
        length = min(len(hit), n - start)
        kick[start : start + length] += body[:length]
    hats = rng.standard_normal(n) * 0.03 * (np.sin(2 * np.pi * 4 * t) > 0.6)
    drums = np.stack([0.6 * kick + hats, 0.6 * kick + 0.8 * hats], axis=1)
    freq = np.where((t % 2) < 1, 55.0, 82.4)
    bass_mono = 0.25 * np.sin(2 * np.pi * np.cumsum(freq) / rate)
    bass = np.stack([bass_mono, bass_mono], axis=1)
    return {"drums": drums.astype(np.float32), "bass": bass.astype(np.float32)}
