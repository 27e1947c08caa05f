"""The mix: per-stem level, compression, EQ, pan and reverb, summed to the pre-master mix.

Each stem carries its own reverb (its share of the room), so the processed stems sum exactly to
the mix and a stem download sounds like that instrument in the song. Compression and level
automation are gain curves computed on short blocks. Loudness and limiting are not done here: the
master does them once.

EQ and reverb run at a quarter of the sample rate, in one FFT per stem: full-length transforms of
every stem cost more CPU than the whole render. The dry stem stays untouched at full rate; what is
computed at the low rate is only what gets added to it: the EQ's correction (H(f) - 1, which
lives below ~4.5 kHz: high-pass, low shelf, a mid/presence bell) and the reverb (an FFT
convolution with a generated impulse response, naturally darker than 5 kHz, as damped rooms are).
That sum is brought back to full rate with a linear-phase FIR and added to the dry signal.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from songsmith.engines.builtin.reverb import impulse_response

if TYPE_CHECKING:
    from songsmith.engines.typing import Audio

LEAD_VOCALS = "vocals"
BACKING_VOCALS = "backing_vocals"
VOCAL_GROUPS = (LEAD_VOCALS, BACKING_VOCALS)
VOCAL_OVER_BACKING_DB = 3.0  # quality.md wants -2..+6 dB per sung section, breaths included
_RIDE_LIMIT_DB = 9.0  # the vocal ride never moves the vocal further than this from its base
_RIDE_WINDOW_S = 3.0  # loudness comparison window of the vocal ride
_RIDE_SMOOTH_S = 0.8
_VOCAL_TAIL_S = 0.6  # reverb ring kept after the singer stops, then faded
_MIX_PEAK = 10 ** (-3.0 / 20)  # pre-master peak: headroom for the master, no clipping in previews
_END_FADE_S = 0.05
_LEVEL_BLOCK_S = 0.05
_COMP_BLOCK_S = 0.01
_EQ_GRID_POINTS = 1024


@dataclass(frozen=True)
class StemProfile:
    level_db: float  # target RMS of the stem's active parts (before the final normalisation)
    pan: float  # -1 left .. +1 right
    highpass_hz: float  # clears low-end mud from everything that is not bass or kick
    low_shelf: tuple[float, float] = (100.0, 0.0)  # (Hz, dB)
    bell: tuple[float, float, float] = (1000.0, 0.0, 1.0)  # (Hz, dB, Q), below ~4 kHz
    comp_ratio: float = 1.0  # 1: no compression
    comp_depth_db: float = 6.0  # threshold this far under the stem's loud level
    reverb_db: float | None = -16.0  # send level; None: dry
    # False: level, compression and pan only, unless the genre's space is big (ambient,
    # cinematic, ballad): the FFT pass is the mix's main CPU cost (about 3 transforms a stem).
    spectral: bool = True


PROFILES: dict[str, StemProfile] = {
    # Drums, percussion and bass stay out of the FFT pass unless the room is big: kit and bass
    # samples are already shaped, and a dry low end is what these genres want.
    "drums": StemProfile(-18, 0.0, 30, (70, 2.0), (400, -2.5, 1.2), 3.0, 8, -22, spectral=False),
    "percussion": StemProfile(
        -27, 0.45, 180, (100, 0), (2500, 1.0, 1.0), 2.0, 6, -17, spectral=False
    ),
    "bass": StemProfile(-20, 0.0, 28, (80, 1.5), (280, -2.0, 1.0), 4.0, 8, None, spectral=False),
    "keyboard": StemProfile(-25, -0.25, 90, (200, -1.0), (350, -2.0, 1.0), 2.0, 6, -15),
    "guitar": StemProfile(-25, 0.3, 100, (200, -1.0), (3000, 1.5, 1.0), 2.5, 6, -16),
    "strings": StemProfile(-27, -0.15, 120, (200, -1.0), (800, -1.0, 0.8), 1.5, 5, -11),
    "brass": StemProfile(-27, 0.2, 100, (200, 0), (1800, 1.0, 1.0), 2.0, 6, -14),
    "woodwinds": StemProfile(-28, -0.35, 150, (200, 0), (2000, 1.0, 1.0), 1.5, 5, -13),
    "synth": StemProfile(-26, 0.2, 80, (150, 0), (500, -1.5, 1.0), 2.0, 6, -14),
    "fx": StemProfile(-30, 0.0, 150, (200, 0), (1000, 0, 1.0), 1.0, 6, -9),
    # a drier lead (send -18 dB): at -13 dB the tail of louder low notes measured over short
    # high ones, so the stem read an octave off (quality.md pitch bar) though the voice was right
    LEAD_VOCALS: StemProfile(-20, 0.0, 100, (200, -1.0), (3000, 2.5, 1.0), 3.0, 8, -18),
    BACKING_VOCALS: StemProfile(-26, 0.0, 150, (250, -2.0), (3000, 1.0, 1.0), 2.5, 6, -10),
}
_DEFAULT_PROFILE = StemProfile(-27, 0.0, 100, reverb_db=-15)


@dataclass(frozen=True)
class GenreStyle:
    space: str  # a room of reverb.SPACES
    reverb_offset_db: float = 0.0  # added to every send
    levels: dict[str, float] = field(default_factory=dict)  # group -> dB added to its level


GENRE_STYLES: dict[str, GenreStyle] = {
    "pop": GenreStyle("plate"),
    "rock": GenreStyle("room", -2, {"guitar": 2.5, "drums": 1.0}),
    "punk": GenreStyle("room", -5, {"guitar": 3.0, "drums": 1.5}),
    "metal": GenreStyle("room", -4, {"guitar": 3.0, "drums": 1.5, "bass": 1.0}),
    "electronic": GenreStyle("plate", 0, {"synth": 2.5, "drums": 1.0, "bass": 1.5}),
    "hiphop": GenreStyle("studio", -4, {"drums": 2.0, "bass": 2.5}),
    "trap": GenreStyle("studio", -3, {"drums": 1.5, "bass": 3.0}),
    "rnb": GenreStyle("plate", 0, {"bass": 1.5, "keyboard": 1.0}),
    "jazz": GenreStyle("chamber", -1, {"drums": -3.0, "keyboard": 1.5, "brass": 1.5}),
    "blues": GenreStyle("room", -1, {"guitar": 2.0}),
    "country": GenreStyle("studio", -1, {"guitar": 2.0}),
    "reggae": GenreStyle("studio", -1, {"bass": 2.5, "drums": 0.5}),
    "latin": GenreStyle("studio", 0, {"percussion": 3.0, "guitar": 1.0, "brass": 1.0}),
    "ballad": GenreStyle("hall", 1, {"drums": -3.0, "keyboard": 2.0, "strings": 1.5}),
    "cinematic": GenreStyle("hall", 2, {"strings": 3.0, "brass": 2.0, "drums": -2.0}),
    "lofi": GenreStyle("room", -2, {"keyboard": 1.5, "drums": -1.0}),
    "synthwave": GenreStyle("plate", 2, {"synth": 2.5}),
    "ambient": GenreStyle("cathedral", 4, {"drums": -5.0, "synth": 2.0, "strings": 2.0}),
    "funk": GenreStyle("room", -3, {"bass": 2.0, "guitar": 1.5, "brass": 1.0}),
    "disco": GenreStyle("plate", 0, {"bass": 1.5, "strings": 1.0, "drums": 1.0}),
}
_DEFAULT_STYLE = GENRE_STYLES["pop"]


def _block_power(audio: np.ndarray[Any, Any], block: int) -> np.ndarray[Any, Any]:
    """Mean power per block of `block` frames (mono or interleaved stereo; last block short).

    Row-wise dot products over the contiguous buffer: one read, no temporary the stem's size.
    """
    n = len(audio)
    if n == 0:
        return np.zeros(0)
    width = 1 if audio.ndim == 1 else audio.shape[1]
    flat = np.ascontiguousarray(audio).reshape(-1)
    full = n // block
    rows = flat[: full * block * width].reshape(full, block * width)
    sums = np.einsum("ij,ij->i", rows, rows, dtype=np.float64) if full else np.zeros(0)
    if n > full * block:
        tail = flat[full * block * width :]
        sums = np.append(sums, float(np.dot(tail, tail)))
    counts = np.full(len(sums), float(block * width))
    counts[-1] = float((n - (len(sums) - 1) * block) * width)
    return np.asarray(sums / counts)


def _db(power: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return np.asarray(10 * np.log10(np.maximum(power, 1e-12)))


def _active_level_db(power_db: np.ndarray[Any, Any]) -> float | None:
    """Level of the parts where the stem plays (blocks within 30 dB of its loudest)."""
    if len(power_db) == 0 or float(power_db.max()) < -90:
        return None
    active = power_db > max(float(power_db.max()) - 30, -80)
    return 10 * math.log10(max(float(np.mean(10 ** (power_db[active] / 10))), 1e-12))


def _block_curve(values: np.ndarray[Any, Any], block: int, length: int) -> np.ndarray[Any, Any]:
    """Per-block values to a per-sample curve, linear between block centres."""
    if len(values) == 0:
        return np.ones(length, np.float32)
    # Ramp from each block centre to the next; pad so the edges hold their value.
    points = np.concatenate([[values[0]], values, [values[-1]]]).astype(np.float32)
    ramp = (np.arange(block, dtype=np.float32) + 0.5) / block
    start, step = points[:-1], np.diff(points)
    # Into one float32 buffer, in place: a full-length temporary per operand costs page faults.
    grid = np.empty((len(start), block), np.float32)
    np.multiply(step[:, None], ramp[None, :], out=grid)
    grid += start[:, None]
    curve = grid.ravel()
    offset = block // 2  # curve[0] sits half a block before the first centre
    return np.ascontiguousarray(curve[offset : offset + length])


def _compressor_gain(
    level_db: np.ndarray[Any, Any], block: int, length: int, profile: StemProfile
) -> np.ndarray[Any, Any]:
    """Gentle downward compression of the loudest moments: 10 ms attack, 120 ms release.

    `level_db` is the stem's power per block of `block` samples (10 ms).
    """
    active = level_db[level_db > -80]
    if len(active) == 0 or profile.comp_ratio <= 1.0:
        return np.ones(length, np.float32)
    threshold = float(np.percentile(active, 90)) - profile.comp_depth_db
    target = np.maximum(level_db - threshold, 0.0) * (1 - 1 / profile.comp_ratio)
    attack = 1 - math.exp(-_COMP_BLOCK_S / 0.010)
    release = 1 - math.exp(-_COMP_BLOCK_S / 0.120)
    reduction = np.empty_like(target)
    current = 0.0
    for index, wanted in enumerate(target.tolist()):
        current += (wanted - current) * (attack if wanted > current else release)
        reduction[index] = current
    return _block_curve(10 ** (-reduction / 20), block, length)


def _rbj_bell(fs: int, freq: float, gain_db: float, q: float) -> list[float]:
    a = 10 ** (gain_db / 40)
    w0 = 2 * math.pi * freq / fs
    alpha = math.sin(w0) / (2 * q)
    cw = math.cos(w0)
    b = [1 + alpha * a, -2 * cw, 1 - alpha * a]
    den = [1 + alpha / a, -2 * cw, 1 - alpha / a]
    return [*(v / den[0] for v in b), *(v / den[0] for v in den)]


def _rbj_shelf(fs: int, freq: float, gain_db: float, high: bool) -> list[float]:
    a = 10 ** (gain_db / 40)
    w0 = 2 * math.pi * freq / fs
    alpha = math.sin(w0) / 2 * math.sqrt(2)  # shelf slope 1
    cw = math.cos(w0)
    sa = 2 * math.sqrt(a) * alpha
    sign = 1 if high else -1
    b = [
        a * ((a + 1) + sign * (a - 1) * cw + sa),
        -2 * sign * a * ((a - 1) + sign * (a + 1) * cw),
        a * ((a + 1) + sign * (a - 1) * cw - sa),
    ]
    den = [
        (a + 1) - sign * (a - 1) * cw + sa,
        2 * sign * ((a - 1) - sign * (a + 1) * cw),
        (a + 1) - sign * (a - 1) * cw - sa,
    ]
    return [*(v / den[0] for v in b), *(v / den[0] for v in den)]


def _eq_magnitude(profile: StemProfile, sample_rate: int, freqs: np.ndarray[Any, Any]) -> Any:
    """|H(f)| of the stem's EQ (high-pass, low shelf, bell, high shelf) at `freqs`."""
    from scipy.signal import butter, sosfreqz

    sections = [butter(2, profile.highpass_hz, "highpass", fs=sample_rate, output="sos")[0]]
    sections.append(np.array(_rbj_shelf(sample_rate, *profile.low_shelf, high=False)))
    sections.append(np.array(_rbj_bell(sample_rate, *profile.bell)))
    grid = np.geomspace(5.0, sample_rate / 2, _EQ_GRID_POINTS)
    _, response = sosfreqz(np.array(sections), worN=grid, fs=sample_rate)
    magnitude = np.abs(response)
    return np.interp(freqs, grid, magnitude, left=magnitude[0]).astype(np.float32)


def _pan_gains(pan: float) -> tuple[float, float]:
    """Constant-power balance, unity at centre."""
    angle = (min(1.0, max(-1.0, pan)) + 1) * math.pi / 4
    return math.cos(angle) * math.sqrt(2), math.sin(angle) * math.sqrt(2)


_DECIMATION = 4
_RESAMPLE_TAPS = 32  # linear phase, cut-off 4.5 kHz at 44.1 kHz: delay of (32-1)/2 samples each way


@dataclass
class _Room:
    spectrum: np.ndarray[Any, Any]  # (2, bins) complex64: the IR's spectrum per channel
    nfft: int  # transform length at the low rate
    freqs: np.ndarray[Any, Any]  # bin frequencies, Hz
    down: np.ndarray[Any, Any]  # anti-alias FIR for decimation
    up: np.ndarray[Any, Any]  # interpolation FIR (the same filter, gain DECIMATION)
    # 1 / the down-and-up response where the correction should act in full, so a bell near
    # 3 kHz is not softened by the resampling filters' transition band.
    flatten: np.ndarray[Any, Any]
    scratch: np.ndarray[Any, Any] = field(default_factory=lambda: np.zeros(0, np.float32))


def _room(style: GenreStyle, sample_rate: int, length: int, seed: int) -> _Room:
    from scipy import fft
    from scipy.signal import firwin, freqz

    low_rate = sample_rate / _DECIMATION
    ir = impulse_response(style.space, round(low_rate), seed % 8)
    low_length = length // _DECIMATION + _RESAMPLE_TAPS
    nfft = fft.next_fast_len(low_length + len(ir), real=True)
    spectrum = fft.rfft(np.ascontiguousarray(ir.T), nfft, axis=-1).astype(np.complex64)
    taps = firwin(_RESAMPLE_TAPS, 4500.0, window=("kaiser", 6.0), fs=sample_rate).astype(np.float32)
    freqs = fft.rfftfreq(nfft, 1 / low_rate)
    grid = np.linspace(0.0, low_rate / 2, _EQ_GRID_POINTS)
    _, response = freqz(taps, worN=grid, fs=sample_rate)
    through = np.abs(response) ** 2
    flatten = np.where(through > 0.5, 1.0 / np.maximum(through, 1e-6), 1.0)
    return _Room(
        spectrum,
        nfft,
        freqs,
        taps,
        taps * _DECIMATION,
        np.interp(freqs, grid, flatten).astype(np.float32),
        np.empty(length + 4 * _RESAMPLE_TAPS + 64, np.float32),
    )


def upsample(
    signal: np.ndarray[Any, Any],
    taps: np.ndarray[Any, Any],
    scratch: np.ndarray[Any, Any] | None = None,
) -> Any:
    """scipy's upfirdn(taps, signal, up=DECIMATION), one np.convolve per output phase (the
    SIMD inner loop of np.convolve is faster than upfirdn's when upsampling).

    `scratch` (float32, reused between calls to save page faults on 30 MB buffers) receives
    the result when it is large enough; the returned array is then a view of it.
    """
    factor = _DECIMATION
    length = (len(signal) - 1) * factor + len(taps)
    rows = (length + factor - 1) // factor
    if scratch is not None and len(scratch) >= rows * factor:
        out = scratch[: rows * factor]
        out[:] = 0.0
    else:
        out = np.zeros(rows * factor, np.float32)
    lanes = out.reshape(-1, factor)
    for phase in range(factor):
        part = np.convolve(signal, taps[phase::factor])
        lanes[: len(part), phase] = part
    return out[:length]


def _process(
    signal: np.ndarray[Any, Any],
    sample_rate: int,
    profile: StemProfile,
    pan: float,
    send_db: float | None,
    room: _Room,
) -> Audio:
    """Pan at full rate, plus EQ correction and the stem's own reverb computed at low rate.

    `signal` is mono (samples,) or stereo (samples, 2); the result is always stereo.
    """
    from scipy import fft
    from scipy.signal import upfirdn

    out = _process_dry(signal, pan)
    length = len(out)
    left, right = _pan_gains(pan)
    # Both corrections act on the mono sum (exact for mono stems, which most soundfont stems
    # are; for a stereo stem the corrected low band is centred).
    mono = signal if signal.ndim == 1 else signal.mean(axis=1, dtype=np.float32)
    low = upfirdn(room.down, mono, down=_DECIMATION)
    spectrum = fft.rfft(low, room.nfft)
    eq = _eq_magnitude(profile, sample_rate, room.freqs)
    correction = (eq - np.float32(1.0)) * room.flatten
    delay = _RESAMPLE_TAPS - 1  # (taps - 1) / 2 on the way down, the same on the way up
    shared = None
    for channel, gain in enumerate((left, right)):
        if send_db is None and left == right and shared is not None:
            out[:, channel] += shared  # centred and dry: both sides get the same correction
            continue
        shaped = correction * np.float32(gain)
        if send_db is not None:
            wet = room.spectrum[channel] * np.complex64(10 ** (send_db / 20))
            shaped = wet * eq + shaped  # the reverb of the EQ'd send
        added = fft.irfft(spectrum * shaped, room.nfft)[: len(low)]
        shared = upsample(added, room.up, room.scratch)[delay : delay + length]
        out[: len(shared), channel] += shared
    return out


def _process_dry(signal: np.ndarray[Any, Any], pan: float) -> Audio:
    """Level and pan only (mono or stereo in, stereo out)."""
    left, right = _pan_gains(pan)
    out = np.empty((len(signal), 2), np.float32)
    # Per-channel writes: numpy broadcasting over a last axis of 2 is several times slower.
    for channel, gain in enumerate((left, right)):
        source = signal if signal.ndim == 1 else signal[:, channel]
        np.multiply(source, np.float32(gain), out=out[:, channel])
    return out


def _vocal_ride(
    vocal_dry: Audio, vocal: Audio, backing: Audio, sample_rate: int
) -> np.ndarray[Any, Any]:
    """A slow gain curve holding the lead vocal VOCAL_OVER_BACKING_DB over the backing where
    it sings, and closing after each phrase's reverb tail (silence in instrumental parts)."""
    from scipy.ndimage import uniform_filter1d

    block = max(1, int(_LEVEL_BLOCK_S * sample_rate))
    dry_db = _db(_block_power(vocal_dry, block))
    if len(dry_db) == 0 or float(dry_db.max()) < -90:
        return np.ones(len(vocal), np.float32)
    sung = dry_db > max(float(dry_db.max()) - 40, -75)
    vocal_power = _block_power(vocal, block) * sung
    backing_power = _block_power(backing, block) * sung
    window = max(1, int(_RIDE_WINDOW_S / _LEVEL_BLOCK_S))
    vocal_avg = uniform_filter1d(vocal_power, window, mode="nearest")
    backing_avg = uniform_filter1d(backing_power, window, mode="nearest")
    ratio_db = _db(vocal_avg) - _db(backing_avg)
    wanted = np.clip(VOCAL_OVER_BACKING_DB - ratio_db, -_RIDE_LIMIT_DB, _RIDE_LIMIT_DB)
    if float(backing_power.sum()) == 0.0:
        wanted = np.zeros_like(wanted)
    # Between phrases hold the gain of the nearest sung block, so tails do not pump.
    sung_index = np.flatnonzero(sung)
    nearest = sung_index[
        np.clip(np.searchsorted(sung_index, np.arange(len(sung))), 0, len(sung_index) - 1)
    ]
    gain_db = uniform_filter1d(
        wanted[nearest], max(1, int(_RIDE_SMOOTH_S / _LEVEL_BLOCK_S)), mode="nearest"
    )
    # The gate: open while singing and for the reverb tail after it, then a 200 ms fade.
    tail = int(_VOCAL_TAIL_S / _LEVEL_BLOCK_S)
    counts = np.concatenate([[0], np.cumsum(sung)])
    index = np.arange(len(sung))
    recent = counts[index + 1] - counts[np.maximum(index - tail, 0)]  # sung blocks in [n-tail, n]
    open_ = uniform_filter1d((recent > 0).astype(np.float64), 4, mode="nearest")
    return _block_curve(10 ** (gain_db / 20) * open_, block, len(vocal))


def _silence_spans(length: int, sample_rate: int, spans: Sequence[tuple[float, float]]) -> Any:
    curve = np.ones(length, np.float32)
    fade = int(0.05 * sample_rate)
    for start_s, end_s in spans:
        start, end = int(start_s * sample_rate), int(end_s * sample_rate)
        if end <= start:
            continue
        curve[max(0, start) : max(0, end)] = 0.0
        ramp = np.linspace(1.0, 0.0, fade, dtype=np.float32)
        a = max(0, start - fade)
        curve[a:start] = np.minimum(curve[a:start], ramp[len(ramp) - (start - a) :])
        b = min(length, end + fade)
        curve[end:b] = np.minimum(curve[end:b], ramp[::-1][: b - end])
    return curve


def _scale_signal(signal: Audio, gain: np.ndarray[Any, Any]) -> None:
    """A mono (n,) or stereo (n, 2) signal *= gain per sample, in place."""
    if signal.ndim == 1:
        signal *= gain
    else:
        _scale_channels(signal, gain)


def _scale_channels(audio: Audio, gain: np.ndarray[Any, Any]) -> None:
    """audio *= gain per sample, in place, one channel at a time (faster than broadcasting)."""
    for channel in range(audio.shape[1]):
        audio[:, channel] *= gain


def _signal(audio: Audio, length: int) -> Audio:
    """A stem as the mix carries it, `length` samples long: one channel (n,) when it is mono
    (given as (n,) or (n, 1), or stereo with equal channels, as most soundfont stems are: one
    channel until the pan), else (n, 2)."""
    signal = np.asarray(audio, dtype=np.float32)
    if signal.ndim == 2 and (signal.shape[1] == 1 or np.array_equal(signal[:, 0], signal[:, 1])):
        signal = signal[:, 0]
    elif signal.ndim == 2:
        signal = signal[:, :2]
    if len(signal) > length:
        signal = signal[:length]
    elif len(signal) < length:
        signal = np.concatenate(
            [signal, np.zeros((length - len(signal), *signal.shape[1:]), np.float32)]
        )
    return np.ascontiguousarray(signal)


def mix_stems(
    stems: dict[str, Audio],
    sample_rate: int,
    *,
    genre: str,
    seed: int,
    vocal_silence: Sequence[tuple[float, float]] = (),
    consume: bool = False,
    pack: bool = False,
) -> tuple[Audio, Mapping[str, Audio]]:
    """(pre-master mix, processed stems): the processed stems sum to the mix (float rounding).

    `genre` is a family name of genres.py (unknown names mix like pop); `seed` varies pan and
    level a little and picks the reverb's noise, deterministically. `vocal_silence` lists
    (start_s, end_s) spans, e.g. instrumental sections, where the vocal stems are muted
    (reverb tails included). `consume=True` hands the stems over: each is removed from `stems`
    once processed, so a caller holding no other reference frees it there (a 3-minute stereo
    stem is ~63 MB; keeping raw and processed stems alive together doubled the mix's peak).
    `pack=True` returns the processed stems packed to 16 bits (`media.packed.PackedStems`, each
    unpacked when read), each packed as soon as it is final: half their memory, ~-96 dB error.
    """
    from songsmith.media.packed import PackedAudio, PackedStems

    if not stems:
        return np.zeros((0, 2), np.float32), {}
    length = max(len(audio) for audio in stems.values())
    style = GENRE_STYLES.get(genre, _DEFAULT_STYLE)
    rng = np.random.default_rng([seed & 0xFFFFFFFF, 0x6D6978])
    room = _room(style, sample_rate, length, seed)
    block = max(1, int(_COMP_BLOCK_S * sample_rate))
    per_level_block = max(1, round(_LEVEL_BLOCK_S / _COMP_BLOCK_S))

    processed: dict[str, Audio] = {}
    packed: dict[str, PackedAudio] = {}
    dry: dict[str, np.ndarray[Any, Any]] = {}
    fade_len = min(length, int(_END_FADE_S * sample_rate))
    fade = np.linspace(1.0, 0.0, fade_len, dtype=np.float32)[:, None]
    # The mix is accumulated in one buffer: the instruments as they are processed (the vocal
    # ride compares the lead against them), then the vocals once ridden and muted.
    mix = np.zeros((length, 2), np.float32)
    for group in sorted(stems):
        signal = _signal(stems.pop(group) if consume else stems[group], length)
        profile = PROFILES.get(group, _DEFAULT_PROFILE)
        pan_jitter, level_jitter = rng.uniform(-0.1, 0.1), rng.uniform(-0.5, 0.5)
        power = _block_power(signal, block)
        usable = len(power) - len(power) % per_level_block
        level = _active_level_db(
            _db(power[:usable].reshape(-1, per_level_block).mean(axis=1)) if usable else _db(power)
        )
        if level is None:
            processed[group] = np.zeros((length, 2), np.float32)
            continue
        gain_db = profile.level_db + style.levels.get(group, 0.0) + level_jitter - level
        curve = _compressor_gain(_db(power), block, length, profile)
        curve *= np.float32(10 ** (gain_db / 20))
        if consume:  # the stem is ours now: scale it where it is (no second copy alive)
            _scale_signal(signal, curve)
        else:
            signal = signal * (curve if signal.ndim == 1 else curve[:, None])
        del curve
        send = None if profile.reverb_db is None else profile.reverb_db + style.reverb_offset_db
        pan = 0.0 if profile.pan == 0.0 else profile.pan + pan_jitter
        if group == LEAD_VOCALS:  # the only dry signal needed later (the vocal ride)
            dry[group] = signal
        if profile.spectral or (send is not None and style.reverb_offset_db >= 1.0):
            processed[group] = _process(signal, sample_rate, profile, pan, send, room)
        else:
            processed[group] = _process_dry(signal, pan)
        del signal
        if group not in VOCAL_GROUPS:
            mix += processed[group]
            if pack:  # final but for the mix's headroom scale, which packs as a step
                stem = processed.pop(group)
                stem[length - fade_len :] *= fade
                packed[group] = PackedAudio.pack(stem)
                del stem

    del room  # its scratch and spectra (~45 MB): the mix's peak is from here on
    if LEAD_VOCALS in dry:
        ride = _vocal_ride(dry.pop(LEAD_VOCALS), processed[LEAD_VOCALS], mix, sample_rate)
        # Backing vocals follow the lead's ride so the blend between them stays as set.
        for group in VOCAL_GROUPS:
            if group in processed:
                _scale_channels(processed[group], ride)
        del ride  # song-long curves go as soon as applied (the mix's memory peak)
    if vocal_silence:
        mute = _silence_spans(length, sample_rate, vocal_silence)
        for group in VOCAL_GROUPS:
            if group in processed:
                _scale_channels(processed[group], mute)
        del mute

    for group in VOCAL_GROUPS:
        if group in processed:
            mix += processed[group]
    # Headroom for the master and for streamed previews (which play the pre-master): one
    # static scale and one end fade for the mix and every stem, so the sum still holds (to
    # float rounding, about -140 dB).
    # max and -min: no song-long |mix| temporary (this is the mix stage's memory peak).
    peak = max(float(mix.max()), -float(mix.min())) if length else 0.0
    scale = np.float32(_MIX_PEAK / peak) if peak > _MIX_PEAK else np.float32(1.0)
    for audio in (*processed.values(), mix):
        if scale != 1.0:
            audio *= scale
        audio[length - fade_len :] *= fade
    if not pack:
        return mix, processed
    if scale != 1.0:  # the stems packed in the loop still need it
        packed = {group: stem.scaled(float(scale)) for group, stem in packed.items()}
    for group in list(processed):
        packed[group] = PackedAudio.pack(processed.pop(group))
    return mix, PackedStems({group: packed[group] for group in sorted(packed)})
