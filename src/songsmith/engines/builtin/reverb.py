"""Generated reverb impulse responses (no recorded IRs to license or ship).

An impulse response here is sparse early reflections followed by exponentially decaying noise
in three bands, with high frequencies dying faster than mids (air and wall absorption), lows
kept short so the reverb does not muddy the bass. Left and right use independent noise, which
is what makes a reverb sound wide. Same space, rate and seed: same IR.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

_LN_1000 = math.log(1000.0)  # RT60: amplitude falls by 60 dB = a factor 1000
_LOW_SPLIT_HZ = 400.0
_HIGH_SPLIT_HZ = 4000.0


@dataclass(frozen=True)
class Space:
    name: str
    decay_s: float  # RT60 of the mid band
    predelay_s: float  # gap before the first reflection (keeps the dry sound in front)
    high_decay: float  # RT60 of the highs as a fraction of decay_s (lower: darker)
    low_level: float  # level of the lows in the tail (low: a clean low end)
    early_level: float  # early reflections relative to the tail's start


SPACES: dict[str, Space] = {
    "room": Space("room", 0.7, 0.008, 0.55, 0.35, 0.8),
    "studio": Space("studio", 1.0, 0.012, 0.6, 0.4, 0.6),
    "plate": Space("plate", 1.8, 0.020, 0.8, 0.3, 0.2),
    "chamber": Space("chamber", 1.4, 0.015, 0.6, 0.45, 0.5),
    "hall": Space("hall", 2.6, 0.030, 0.5, 0.5, 0.4),
    "cathedral": Space("cathedral", 4.0, 0.045, 0.45, 0.5, 0.3),
}


def _band_noise(
    rng: np.random.Generator, length: int, sample_rate: int
) -> list[np.ndarray[Any, Any]]:
    from scipy.signal import butter, sosfilt

    noise = rng.standard_normal(length)
    nyquist = sample_rate / 2
    low = sosfilt(butter(2, _LOW_SPLIT_HZ / nyquist, "lowpass", output="sos"), noise)
    high = sosfilt(butter(2, _HIGH_SPLIT_HZ / nyquist, "highpass", output="sos"), noise)
    return [low, noise - low - high, high]


@lru_cache(maxsize=16)
def _impulse_response(space: Space, sample_rate: int, seed: int) -> np.ndarray[Any, Any]:
    rng = np.random.default_rng([seed, sample_rate, int(space.decay_s * 1000)])
    length = int(min(space.decay_s * 1.1, 5.0) * sample_rate)
    t = np.arange(length) / sample_rate
    predelay = int(space.predelay_s * sample_rate)
    onset = np.clip((t - space.predelay_s) / 0.004, 0.0, 1.0)  # no click at the tail's start
    channels = []
    for _ in range(2):
        low, mid, high = _band_noise(rng, length, sample_rate)
        tail = (
            space.low_level * low * np.exp(-_LN_1000 * t / (space.decay_s * 0.7))
            + mid * np.exp(-_LN_1000 * t / space.decay_s)
            + high * np.exp(-_LN_1000 * t / (space.decay_s * space.high_decay))
        ) * onset
        tail[:predelay] = 0.0
        # Early reflections: a few discrete echoes over the first ~70 ms, weaker as they go.
        level = space.early_level * float(np.sqrt(np.mean(tail[predelay : predelay + 2000] ** 2)))
        for _ in range(8):
            delay = predelay + int(rng.uniform(0.002, 0.07) * sample_rate)
            if delay < length:
                tail[delay] += level * rng.uniform(2.0, 6.0) * math.exp(-delay / sample_rate / 0.05)
        channels.append(tail / max(float(np.sqrt(np.sum(tail**2))), 1e-12))
    return np.stack(channels, axis=1).astype(np.float32)


def impulse_response(space: str | Space, sample_rate: int, seed: int = 0) -> np.ndarray[Any, Any]:
    """A (samples, 2) float32 IR of unit energy per channel for `space` (a name of SPACES)."""
    chosen = SPACES[space] if isinstance(space, str) else space
    return _impulse_response(chosen, sample_rate, seed).copy()
