"""The master: one static gain to -14 LUFS plus a look-ahead true-peak limiter, verified on the mp3.

Loudness and true peak are promised for what listeners get, i.e. the decoded mp3 (quality.md), and
the codec adds inter-sample overshoot, so the result is encoded, decoded and re-measured, and
corrected if it misses. The mp3 bytes that passed are returned so nobody encodes twice.

Stems stay exact: the limiter's gain is computed from the mix only and the same per-sample gain
curve (no delay: the look-ahead is in the gain curve, not in the audio path) multiplies the mix and
every stem, so the mastered stems still sum to the mastered mix.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from songsmith.media.codecs import as_stereo, decode_audio, encode_mp3, resample
from songsmith.media.loudness import (
    LoudnessModel,
    integrated_loudness,
    true_peak_dbtp,
    true_peak_envelope,
)
from songsmith.media.pieces import in_pieces

if TYPE_CHECKING:
    from songsmith.engines.typing import Audio

TARGET_LUFS = -14.0
CEILING_DBTP = -1.0
LOUDNESS_TOLERANCE_LU = 0.5  # inside quality.md's +-1 LU
_CODEC_MARGIN_DB = 0.4  # mp3 overshoot budget: the limiter aims this far under the ceiling
_LOOKAHEAD_S = 0.003  # the gain starts to fall this long before a peak
_HOLD_S = 0.040  # and stays down this long after it (no gain ripple at bass periods)
_MAX_PASSES = 3
_MAX_GAIN_SEARCH_DB = 6.0  # how far limiting may push the static gain above the plain estimate
_ENVELOPE_MARGIN_DB = 2.0  # true-peak envelope exact this far under the ceiling (gain moves)
_AIM_TOLERANCE_LU = 0.15  # pre-codec aim; the codec moves loudness by a few hundredths


@dataclass
class Mastered:
    mix: Audio  # mastered mix, (samples, 2) float32 at `sample_rate`
    stems: dict[str, Audio]  # the same gain curve applied: they sum to `mix`
    gain_db: float  # static gain applied before the limiter
    lufs: float  # integrated loudness of the decoded mp3
    true_peak_db: float  # 4x-oversampled true peak of the decoded mp3, dBTP
    sample_rate: int = 44100
    mp3: bytes = b""  # the encoded master that was measured (44.1 kHz, 192 kbit/s CBR)
    limiter_db: float = 0.0  # deepest gain reduction of the limiter (0: it never acted)
    passes: int = 1  # encode-measure rounds needed
    # the per-sample gain (static gain x limiter) that turned the pre-master mix into `mix`: a
    # caller that keeps its stems out of `master` applies it as it writes them (delivery_stem)
    gain: np.ndarray[Any, Any] | None = None


def limiter_gain(
    audio: Audio,
    sample_rate: int,
    ceiling: float,
    envelope: np.ndarray[Any, Any] | None = None,
    envelope_gain: float = 1.0,
) -> np.ndarray[Any, Any]:
    """Per-sample gain (<= 1) that keeps the 4x true peak of `audio` at or below `ceiling`.

    `envelope` is `audio`'s true-peak envelope when the caller already has it (exact at least
    down to `ceiling`); it scales with gain, so one envelope serves every gain tried: the curve
    is computed for `audio * envelope_gain` (then `audio` itself is not read).

    The needed gain at each peak is spread as a minimum over [n - hold, n + lookahead], then
    smoothed by two box filters narrower than the look-ahead, so the smoothed curve is still at or
    below the need at every peak (each averaged value comes from a window that saw the peak).
    """
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    if envelope is None:
        envelope = true_peak_envelope(audio, floor=ceiling / envelope_gain)
    # In place over two song-long buffers (need, held): this runs at the master's memory peak.
    need = np.multiply(envelope, np.float32(envelope_gain), dtype=np.float32)
    np.maximum(need, np.float32(1e-12), out=need)
    np.divide(np.float32(ceiling), need, out=need)
    np.minimum(need, np.float32(1.0), out=need)
    if float(need.min()) >= 1.0:
        return np.ones(len(need), dtype=np.float32)
    lookahead = max(2, int(_LOOKAHEAD_S * sample_rate))
    hold = max(lookahead, int(_HOLD_S * sample_rate))
    if (hold - lookahead) % 2:
        hold += 1
    # A centred window of hold+lookahead+1 samples, shifted so it spans [n - hold, n + lookahead].
    shift = (hold - lookahead) // 2
    window = hold + lookahead + 1
    # In 10 s pieces: scipy.ndimage copies a whole line into two float64 buffers, 126 MB of C
    # memory for a 3-minute song at the master's memory peak.
    held = np.empty_like(need)
    in_pieces(lambda x: minimum_filter1d(x, window, mode="nearest"), need, window // 2 + 1, held)
    if shift:
        held[shift:] = held[: len(held) - shift].copy()
        held[:shift] = held[shift]
    box = lookahead if lookahead % 2 else lookahead - 1  # odd: symmetric, reach (box-1)/2 each
    in_pieces(lambda x: uniform_filter1d(x, box, mode="nearest"), held, box // 2 + 1, need)
    in_pieces(lambda x: uniform_filter1d(x, box, mode="nearest"), need, box // 2 + 1, held)
    np.minimum(held, np.float32(1.0), out=held)
    return np.asarray(held, dtype=np.float32)


def _fit(stem: Audio, length: int) -> Audio:
    """A stem trimmed or zero-padded to the mix length (engines should already match it)."""
    stereo = as_stereo(stem)
    if len(stereo) >= length:
        return stereo[:length]
    return np.concatenate([stereo, np.zeros((length - len(stereo), 2), np.float32)])


def delivery_stem(stem: Audio, sample_rate: int, length: int) -> Audio:
    """A stem at the delivery rate and the mastered mix's `length`, ready for
    `encode_wav(stem, rate, gain=Mastered.gain)`: how a caller that keeps the stems out of
    `master` (to handle them one at a time) delivers them."""
    return _fit(resample(stem, sample_rate), length)


def _apply(audio: Audio, gain: np.ndarray[Any, Any]) -> Audio:
    """audio * gain per sample, into one new array (per channel: broadcasting over a last axis
    of 2 is several times slower)."""
    out = np.empty((len(gain), 2), np.float32)
    for channel in range(2):
        np.multiply(audio[:, channel], gain, out=out[:, channel])
    return out


def _scale(audio: Audio, gain: np.ndarray[Any, Any]) -> Audio:
    """audio *= gain per sample, in place when `audio` is writable float32, else a copy."""
    if audio.dtype != np.float32 or not audio.flags.writeable or not audio.flags.c_contiguous:
        return _apply(audio, gain)
    for channel in range(2):
        audio[:, channel] *= gain
    return audio


def _measure(mp3: bytes, frames: int) -> tuple[float, float, float]:
    decoded, rate = decode_audio(mp3, frames_hint=frames)
    sample_peak = max(float(decoded.max()), -float(decoded.min())) if len(decoded) else 0.0
    return integrated_loudness(decoded, rate), true_peak_dbtp(decoded), sample_peak


def master(
    mix: Audio,
    stems: Mapping[str, Audio],
    sample_rate: int,
    *,
    target_lufs: float = TARGET_LUFS,
    ceiling_dbtp: float = CEILING_DBTP,
    in_place: bool = False,
) -> Mastered:
    """Master a pre-master mix (and its stems) for delivery; see the module docstring.

    Audio at another rate is first resampled to 44.1 kHz (the delivery rate), stems too.
    `in_place=True` scales the mix's and the stems' own arrays (float32 stereo at 44.1 kHz of
    the mix's length; others are still copied) and returns them: a caller done with the
    pre-master audio saves a full set of buffers (~0.5 GB for a 3-minute song with 8 stems).
    """
    from songsmith.media.codecs import DELIVERY_RATE

    source = resample(mix, sample_rate)
    stem_audio = {name: resample(stem, sample_rate) for name, stem in stems.items()}
    rate = DELIVERY_RATE
    model: LoudnessModel | None = LoudnessModel(source, rate)
    assert model is not None
    loudness = model.lufs()
    if not math.isfinite(loudness):  # silence (or too short to gate): nothing to normalise
        mp3 = encode_mp3(source, rate)
        lufs, peak, _ = _measure(mp3, len(source))
        unity = np.ones(len(source), np.float32)
        return Mastered(source, stem_audio, 0.0, lufs, peak, rate, mp3, gain=unity)

    gain_db = target_lufs - loudness
    limit_db = ceiling_dbtp - _CODEC_MARGIN_DB
    # The envelope scales with the gain: one envelope serves every gain tried, as long as it
    # is exact down to the ceiling at that gain (else it is measured again, lower).
    envelope_floor_db = math.inf
    source_envelope = np.zeros(0, np.float32)
    passes = 0
    while True:
        passes += 1
        # Limiting lowers the loudness: re-aim the static gain (usually one extra round).
        # Only gain curves are computed here; the audio is scaled once, after.
        for round_ in range(3):
            linear_gain = np.float32(10 ** (gain_db / 20))
            if limit_db - gain_db < envelope_floor_db:
                envelope_floor_db = limit_db - gain_db - _ENVELOPE_MARGIN_DB
                source_envelope = true_peak_envelope(source, floor=10 ** (envelope_floor_db / 20))
            curve = limiter_gain(
                source,
                rate,
                10 ** (limit_db / 20),
                envelope=source_envelope,
                envelope_gain=float(linear_gain),
            )
            if model is None:  # a further pass: measured again from the pre-master mix
                model = LoudnessModel(source, rate)
            measured = model.lufs(gain_db, curve)
            if abs(measured - target_lufs) <= _AIM_TOLERANCE_LU or round_ == 2:
                break
            gain_db += min(target_lufs - measured, _MAX_GAIN_SEARCH_DB / 3)
        limiter_min = float(curve.min())
        gain_curve = curve
        gain_curve *= linear_gain  # in place: the limiter curve is not needed again
        # Measuring the mp3 is the master's memory peak: the aim's envelope is released here
        # (a further pass, rare, measures it again).
        source_envelope = np.zeros(0, np.float32)
        envelope_floor_db = math.inf
        model = None  # likewise the loudness model's power
        # in place: the caller is done with the pre-master mix (one song-long buffer less)
        out = _scale(source, gain_curve) if in_place else _apply(source, gain_curve)
        mp3 = encode_mp3(out, rate)
        lufs, peak, sample_peak = _measure(mp3, len(out))
        loud_ok = abs(lufs - target_lufs) <= LOUDNESS_TOLERANCE_LU
        peak_ok = peak <= ceiling_dbtp and sample_peak < 32767 / 32768
        if (loud_ok and peak_ok) or passes >= _MAX_PASSES:
            break
        if out is source:  # another pass starts from the pre-master mix again
            for channel in range(2):
                source[:, channel] /= gain_curve
        if not peak_ok:
            limit_db -= peak - ceiling_dbtp + 0.2
        if not loud_ok:
            gain_db += min(target_lufs - lufs, 1.0)

    mastered_stems = {
        name: _scale(_fit(stem, len(out)), gain_curve)
        if in_place
        else _apply(_fit(stem, len(out)), gain_curve)
        for name, stem in stem_audio.items()
    }
    return Mastered(
        mix=out,
        stems=mastered_stems,
        gain_db=gain_db,
        lufs=lufs,
        true_peak_db=peak,
        sample_rate=rate,
        mp3=mp3,
        limiter_db=max(0.0, -20 * math.log10(max(limiter_min, 1e-6))),
        passes=passes,
        gain=gain_curve,
    )
