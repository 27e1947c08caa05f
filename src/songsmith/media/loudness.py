"""Loudness (ITU-R BS.1770 integrated, LUFS, via pyloudnorm) and 4x-oversampled true peak.

Full 4x oversampling of a 3-minute song costs over a second, and mastering measures more than
once, so the true peak uses a short windowed-sinc interpolator evaluated only around samples loud
enough to reach the level that matters (exact there: the bound is the filter's absolute gain).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np

from songsmith.media.codecs import as_stereo

_BLOCK_S = 0.4  # gating block
_STEP = 0.25  # block hop as a fraction of the block (75% overlap)
_ABSOLUTE_GATE_LUFS = -70.0
_RELATIVE_GATE_LU = -10.0
_OVERSAMPLE = 4
_HALF_TAPS = 12  # interpolator taps on each side (as long as scipy's 4x resample_poly filter)


def integrated_loudness(audio: np.ndarray[Any, Any], sample_rate: int) -> float:
    """Integrated loudness in LUFS, pyloudnorm's meter (-inf for silence or under one block)."""
    import pyloudnorm

    stereo = as_stereo(audio)
    if len(stereo) < int(0.4 * sample_rate) + 1:
        return float("-inf")
    with np.errstate(divide="ignore"):
        return float(pyloudnorm.Meter(sample_rate).integrated_loudness(stereo))


@lru_cache(maxsize=1)
def _interpolator() -> tuple[np.ndarray[Any, Any], float]:
    """(phases x taps) windowed-sinc filters for positions n+1/4, n+1/2, n+3/4, and their gain
    bound (the largest sum of absolute taps) used to skip samples too quiet to peak."""
    offsets = np.arange(-_HALF_TAPS + 1, _HALF_TAPS + 1)  # taps at n-11 .. n+12
    rows = []
    for phase in range(1, _OVERSAMPLE):
        frac = phase / _OVERSAMPLE
        distance = offsets - frac
        window = np.kaiser(2 * _HALF_TAPS + 1, 6.0)
        taper = np.interp(distance, np.arange(-_HALF_TAPS, _HALF_TAPS + 1), window)
        taps = np.sinc(distance) * taper
        rows.append(taps / taps.sum())
    filters = np.array(rows, dtype=np.float32)
    return filters, float(np.abs(filters).sum(axis=1).max())


def true_peak_envelope(audio: np.ndarray[Any, Any], floor: float = 0.0) -> np.ndarray[Any, Any]:
    """Per sample, the largest absolute value of either channel at n, n+1/4, n+1/2 or n+3/4.

    Exact wherever the result is >= `floor`; below it the plain sample peak is returned (the
    interpolation is skipped where no sample in reach could produce a value above `floor`).
    """
    from scipy.ndimage import maximum_filter1d

    stereo = as_stereo(audio)
    sample_peak = np.abs(stereo).max(axis=1)
    envelope = sample_peak.copy()
    if len(stereo) == 0:
        return envelope
    filters, gain_bound = _interpolator()
    reach = maximum_filter1d(sample_peak, size=2 * _HALF_TAPS + 1, mode="constant")
    candidates = np.flatnonzero(reach * gain_bound >= floor)
    channels = [np.pad(stereo[:, c], _HALF_TAPS) for c in range(2)]
    if len(candidates) * 4 > len(stereo):
        # Dense (loud, busy audio): filtering everything beats gathering windows.
        for channel in channels:
            for taps in filters:
                # valid[j] = sum_k channel[j + k] * taps[k]; position n is j = n + 1.
                values = np.convolve(channel, taps[::-1], mode="valid")[1 : len(stereo) + 1]
                np.maximum(envelope, np.abs(values), out=envelope)
        return envelope
    offsets = np.arange(-_HALF_TAPS + 1, _HALF_TAPS + 1) + _HALF_TAPS
    chunk = 1 << 16
    for begin in range(0, len(candidates), chunk):
        idx = candidates[begin : begin + chunk]
        gather = idx[:, None] + offsets[None, :]
        for channel in channels:
            values = channel[gather] @ filters.T  # (m, phases), BLAS
            envelope[idx] = np.maximum(envelope[idx], np.abs(values).max(axis=1))
    return envelope


def true_peak_dbtp(audio: np.ndarray[Any, Any]) -> float:
    """4x-oversampled true peak of the whole signal, dBTP (-inf for silence)."""
    stereo = as_stereo(audio)
    if len(stereo) == 0:
        return float("-inf")
    sample_peak = float(np.abs(stereo).max())
    if sample_peak == 0.0:
        return float("-inf")
    peak = float(true_peak_envelope(stereo, floor=sample_peak).max())
    return 20 * math.log10(peak)
