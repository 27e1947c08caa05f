"""Setting a voice against a backing it was not mixed with (add vocals, add instrumental)."""

from __future__ import annotations

import numpy as np

from songsmith.engines.typing import Audio

BLOCK_S = 0.05
ACTIVE_BELOW_PEAK_DB = 30.0  # blocks within this of the voice's loudest count as sung
VOCAL_OVER_BACKING_DB = 3.0  # inside quality.md's -2..+6 dB


def _block_db(audio: Audio, sample_rate: int) -> np.ndarray:
    block = max(1, int(BLOCK_S * sample_rate))
    usable = len(audio) // block * block
    if usable == 0:
        return np.zeros(0)
    power = np.mean(
        np.square(audio[:usable], dtype=np.float64).reshape(-1, block, audio.shape[1]), axis=(1, 2)
    )
    return np.asarray(10.0 * np.log10(power + 1e-20), dtype=np.float64)


def vocal_gain(vocal: Audio, backing: Audio, sample_rate: int) -> float:
    """Linear gain that puts the vocal VOCAL_OVER_BACKING_DB over the backing where it sings."""
    v, b = _block_db(vocal, sample_rate), _block_db(backing, sample_rate)
    n = min(len(v), len(b))
    if n == 0 or v.max() < -100:
        return 1.0
    v, b = v[:n], b[:n]
    active = v > v.max() - ACTIVE_BELOW_PEAK_DB
    if b[active].max() < -100:
        return 1.0
    v_db = 10 * np.log10(np.mean(10 ** (v[active] / 10)))
    b_db = 10 * np.log10(np.mean(10 ** (b[active] / 10)))
    return float(10 ** ((b_db + VOCAL_OVER_BACKING_DB - v_db) / 20))


def window_audio(audio: Audio, sample_rate: int, start_s: float, end_s: float, rate: int) -> Audio:
    """[start_s, end_s] of `audio`, at `rate`, exactly round((end - start) * rate) samples."""
    from scipy.signal import resample_poly

    piece = np.asarray(audio[round(start_s * sample_rate) : round(end_s * sample_rate)], np.float32)
    if piece.ndim == 1:
        piece = np.stack([piece, piece], axis=1)
    if sample_rate != rate and len(piece):
        piece = resample_poly(piece, rate, sample_rate, axis=0).astype(np.float32)
    length = round((end_s - start_s) * rate)
    if len(piece) < length:
        piece = np.concatenate([piece, np.zeros((length - len(piece), 2), np.float32)])
    return np.ascontiguousarray(piece[:length], dtype=np.float32)
