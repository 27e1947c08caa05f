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
from songsmith.media.pieces import PIECE, in_pieces, piece_with_reach

_BLOCK_S = 0.4  # gating block
_STEP = 0.25  # block hop as a fraction of the block (75% overlap)
_ABSOLUTE_GATE_LUFS = -70.0
_RELATIVE_GATE_LU = -10.0
_OVERSAMPLE = 4
_HALF_TAPS = 12  # interpolator taps on each side (as long as scipy's 4x resample_poly filter)


def integrated_loudness(audio: np.ndarray[Any, Any], sample_rate: int) -> float:
    """Integrated loudness in LUFS, pyloudnorm's meter (-inf for silence or under one block).

    pyloudnorm's filters, block bounds and float32 rounding (bit-for-bit its block energies),
    computed faster: each channel is filtered as one contiguous array and squared once, where
    pyloudnorm filters strided columns of a copy and squares every overlapping block again.
    """
    import pyloudnorm
    from scipy.signal import lfilter

    stereo = as_stereo(audio)
    if len(stereo) < int(0.4 * sample_rate) + 1:
        return float("-inf")
    meter = pyloudnorm.Meter(sample_rate)
    count = int(np.round((len(stereo) / sample_rate - _BLOCK_S) / (_BLOCK_S * _STEP))) + 1
    # The same float expressions as pyloudnorm's, so the block bounds are the same integers.
    bounds = [
        (int(_BLOCK_S * (j * _STEP) * sample_rate), int(_BLOCK_S * (j * _STEP + 1) * sample_rate))
        for j in range(count)
    ]
    scale = 1.0 / (_BLOCK_S * sample_rate)
    energy = np.zeros(count)
    for channel in range(stereo.shape[1]):
        filtered = stereo[:, channel].copy()
        for stage in meter._filters.values():
            # stage.apply_filter's arithmetic, run over 10 s pieces with the filter state carried
            # (the same recurrence, so the same values) to keep float64 temporaries small; stored
            # as float32, as pyloudnorm's copy is.
            b, a = stage.b, stage.a
            state = np.zeros(max(len(a), len(b)) - 1)
            for begin in range(0, len(filtered), PIECE):
                piece = filtered[begin : begin + PIECE]
                weighted, state = lfilter(b, a, piece, zi=state)
                weighted *= stage.passband_gain
                piece[:] = weighted
        squared = np.square(filtered, out=filtered)
        energy += [scale * np.sum(squared[low:high]) for low, high in bounds]
    return _gated_lufs(energy)


def _gated_lufs(block_power: np.ndarray[Any, Any]) -> float:
    """BS.1770 gating of per-block (channel-summed) mean power: absolute, then relative."""
    with np.errstate(divide="ignore"):
        block_lufs = -0.691 + 10 * np.log10(block_power)
    above = block_lufs >= _ABSOLUTE_GATE_LUFS
    if not above.any():
        return float("-inf")
    relative = -0.691 + 10 * math.log10(float(block_power[above].mean())) + _RELATIVE_GATE_LU
    gated = block_power[(block_lufs > relative) & (block_lufs > _ABSOLUTE_GATE_LUFS)]
    if len(gated) == 0:
        return float("-inf")
    return -0.691 + 10 * math.log10(float(gated.mean()))


def _biquad_high_shelf(
    fs: int, fc: float, q: float, gain_db: float
) -> tuple[list[float], list[float]]:
    a = 10 ** (gain_db / 40)
    w0 = 2 * math.pi * fc / fs
    alpha = math.sin(w0) / (2 * q)
    cw = math.cos(w0)
    sa = 2 * math.sqrt(a) * alpha
    b = [
        a * ((a + 1) + (a - 1) * cw + sa),
        -2 * a * ((a - 1) + (a + 1) * cw),
        a * ((a + 1) + (a - 1) * cw - sa),
    ]
    den = [(a + 1) - (a - 1) * cw + sa, 2 * ((a - 1) - (a + 1) * cw), (a + 1) - (a - 1) * cw - sa]
    return b, den


def _biquad_high_pass(fs: int, fc: float, q: float) -> tuple[list[float], list[float]]:
    w0 = 2 * math.pi * fc / fs
    alpha = math.sin(w0) / (2 * q)
    cw = math.cos(w0)
    return [(1 + cw) / 2, -(1 + cw), (1 + cw) / 2], [1 + alpha, -2 * cw, 1 - alpha]


class LoudnessModel:
    """Integrated loudness of `audio` under a static gain and a slowly varying gain curve,
    without re-filtering: the K-weighted power is computed once.

    Exact for a static gain; with a limiter curve it treats the curve as constant over the
    K-weighting filter's memory, which is close (the curve only dips briefly at peaks). Used to
    aim the master; the delivered loudness is always measured for real on the decoded mp3.
    """

    def __init__(self, audio: np.ndarray[Any, Any], sample_rate: int) -> None:
        from scipy.signal import sosfilt

        stereo = as_stereo(audio)
        # The BS.1770 pre-filter (+4 dB shelf above ~1.7 kHz) and RLB high-pass (~38 Hz), by
        # their analogue parameters so any sample rate gets the standard's response.
        shelf = _biquad_high_shelf(
            sample_rate, 1681.974450955533, 0.7071752369554193, 3.99984385397
        )
        high_pass = _biquad_high_pass(sample_rate, 38.13547087613982, 0.5003270373253953)
        sos = np.array([[*b, *a] for b, a in (shelf, high_pass)], dtype=np.float64)
        sos /= sos[:, 3:4]
        # One channel at a time, contiguous (filtering along axis 0 of a (n, 2) array is ~4x
        # slower), in 10 s pieces with the filter state carried (the same recurrence): only
        # small float64 temporaries. The power is kept as float32 (the model only aims the
        # gain) and summed per shared 100 ms hop in float64 when measured.
        self._power = np.zeros(len(stereo), np.float32)  # left and right weigh 1.0
        for channel in range(stereo.shape[1]):
            state = np.zeros((len(sos), 2))
            for begin in range(0, len(stereo), PIECE):
                piece = stereo[begin : begin + PIECE, channel].astype(np.float64)
                weighted, state = sosfilt(sos, piece, zi=state)
                np.square(weighted, out=weighted)
                self._power[begin : begin + len(piece)] += weighted
        block = round(_BLOCK_S * sample_rate)
        hop = _BLOCK_S * _STEP
        count = round((len(stereo) / sample_rate - _BLOCK_S) / hop) + 1
        if len(stereo) < block:
            count = 0
        starts = (np.arange(max(count, 0)) * hop * sample_rate).astype(np.int64)
        self._ends = np.minimum(starts + block, len(stereo))
        self._starts = np.minimum(starts, self._ends)
        self._lengths = np.maximum(self._ends - self._starts, 1)
        # Blocks overlap by 75%: each is a sum of the segments between consecutive bounds.
        edges = np.unique(np.concatenate([self._starts, self._ends]))
        self._edges = edges[edges < len(stereo)]
        self._first = np.searchsorted(self._edges, self._starts)
        self._last = np.searchsorted(self._edges, self._ends)

    def lufs(self, gain_db: float = 0.0, curve: np.ndarray[Any, Any] | None = None) -> float:
        if len(self._starts) == 0:
            return float("-inf")
        if len(self._edges) == 0:
            return float("-inf")
        segments = np.empty(len(self._edges), np.float64)
        # About 10 s of segments at a time, split where a segment starts (each is summed as in
        # one pass): reduceat casts its whole input to float64, 60 MB at the master's peak.
        per_piece = max(1, len(self._edges) * PIECE // len(self._power))
        for first in range(0, len(self._edges), per_piece):
            last = min(first + per_piece, len(self._edges))
            begin = int(self._edges[first])
            end = int(self._edges[last]) if last < len(self._edges) else len(self._power)
            power = self._power[begin:end]
            if curve is not None:
                power = np.square(curve[begin:end], dtype=np.float32)
                power *= self._power[begin:end]
            segments[first:last] = np.add.reduceat(
                power, self._edges[first:last] - begin, dtype=np.float64
            )
        cumulative = np.concatenate([[0.0], np.cumsum(segments)])
        block_power = (cumulative[self._last] - cumulative[self._first]) / self._lengths
        block_power *= 10 ** (gain_db / 10)
        return _gated_lufs(block_power)


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
    Computed in 10 s pieces, each with the interpolator's reach of real neighbours on both
    sides: the same values as one pass, with small temporaries (this ran at the master's memory
    peak with a dozen song-long ones).
    """
    stereo = as_stereo(audio)
    if len(stereo) <= PIECE:
        return _envelope_of(stereo, floor)
    envelope = np.empty(len(stereo), np.float32)
    in_pieces(lambda piece: _envelope_of(piece, floor), stereo, _HALF_TAPS, envelope)
    return envelope


def _piece_envelope(
    stereo: np.ndarray[Any, Any], begin: int, end: int, floor: float
) -> np.ndarray[Any, Any]:
    """The envelope of samples [begin, end): the same values as over the whole signal."""
    return piece_with_reach(
        lambda piece: _envelope_of(piece, floor), stereo, begin, end, _HALF_TAPS
    )


def _envelope_of(stereo: np.ndarray[Any, Any], floor: float) -> np.ndarray[Any, Any]:
    channels = [np.pad(stereo[:, c], _HALF_TAPS) for c in range(2)]
    padded_peak = np.abs(channels[0])
    np.maximum(padded_peak, np.abs(channels[1]), out=padded_peak)
    envelope = padded_peak[_HALF_TAPS : _HALF_TAPS + len(stereo)].copy()
    if len(stereo) == 0:
        return np.asarray(envelope)
    filters, _ = _interpolator()
    # |interpolated value| <= sum_k max_phase|h_k| * |x[n + k]|: one convolution bounds all
    # three phases, and only samples whose bound reaches `floor` need the real thing.
    hull = np.abs(filters).max(axis=0)
    bound = np.convolve(padded_peak, hull[::-1], mode="valid")[1 : len(stereo) + 1]
    candidates = np.flatnonzero(bound >= floor)
    if len(candidates) * 4 > len(stereo):
        # Dense (loud, busy audio): filtering everything beats gathering windows.
        for channel in channels:
            for taps in filters:
                # valid[j] = sum_k channel[j + k] * taps[k]; position n is j = n + 1.
                values = np.convolve(channel, taps[::-1], mode="valid")[1 : len(stereo) + 1]
                np.maximum(envelope, np.abs(values), out=envelope)
        return np.asarray(envelope)
    offsets = np.arange(-_HALF_TAPS + 1, _HALF_TAPS + 1) + _HALF_TAPS
    chunk = 1 << 16
    for begin in range(0, len(candidates), chunk):
        idx = candidates[begin : begin + chunk]
        gather = idx[:, None] + offsets[None, :]
        for channel in channels:
            values = channel[gather] @ filters.T  # (m, phases), BLAS
            envelope[idx] = np.maximum(envelope[idx], np.abs(values).max(axis=1))
    return np.asarray(envelope)


def true_peak_dbtp(audio: np.ndarray[Any, Any]) -> float:
    """4x-oversampled true peak of the whole signal, dBTP (-inf for silence)."""
    stereo = as_stereo(audio)
    if len(stereo) == 0:
        return float("-inf")
    sample_peak = max(float(stereo.max()), -float(stereo.min()))
    if sample_peak == 0.0:
        return float("-inf")
    # Piece by piece, loudest first, with the floor raised to the best true peak found so far:
    # a sample that could beat it is still computed exactly, and most of a loud song is not
    # (the true peak is at least the sample peak, so the floor starts there).
    pieces = []
    for begin in range(0, len(stereo), PIECE):
        end = min(begin + PIECE, len(stereo))
        block = stereo[begin:end]
        pieces.append((max(float(block.max()), -float(block.min())), begin, end))
    peak = sample_peak
    for _, begin, end in sorted(pieces, reverse=True):
        peak = max(peak, float(_piece_envelope(stereo, begin, end, floor=peak).max()))
    return 20 * math.log10(peak)
