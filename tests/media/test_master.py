from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest
from scipy.signal import resample_poly

from songsmith.media.codecs import decode_audio
from songsmith.media.master import limiter_gain, master

from .audio_fixtures import RATE, groove, tone


def _independent_true_peak_db(audio: np.ndarray) -> float:
    upsampled = resample_poly(audio.astype(np.float64), 4, 1, axis=0)
    return float(20 * np.log10(np.abs(upsampled).max()))


def _relative_residual_db(stems: dict[str, np.ndarray], mix: np.ndarray) -> float:
    residual = sum(stems.values()) - mix
    return float(10 * np.log10(np.sum(residual**2) / np.sum(mix**2) + 1e-30))


@pytest.mark.parametrize("level", [0.2, 1.6], ids=["quiet", "hot"])
def test_master_meets_the_loudness_bars_on_the_decoded_mp3(level: float) -> None:
    stems = {name: audio * level for name, audio in groove(8.0).items()}
    mix = stems["drums"] + stems["bass"]
    result = master(mix, stems, RATE)

    decoded, rate = decode_audio(result.mp3)
    assert rate == 44100
    assert len(decoded) == len(mix)
    lufs = pyloudnorm.Meter(rate).integrated_loudness(decoded)
    assert abs(lufs - (-14.0)) <= 0.5
    assert abs(lufs - result.lufs) < 1e-6  # it reports what it measured on the mp3
    assert _independent_true_peak_db(decoded) <= -1.0 + 0.05
    assert result.true_peak_db <= -1.0
    assert np.abs(decoded).max() < 32767 / 32768  # no sample at full scale

    # One gain curve for all: the mastered stems still sum to the mastered mix.
    assert set(result.stems) == {"drums", "bass"}
    assert _relative_residual_db(result.stems, result.mix) < -60
    assert result.mix.dtype == np.float32 and result.mix.shape == mix.shape


def test_hot_input_is_limited_and_quiet_input_only_gained() -> None:
    stems = groove(6.0)
    hot = master(stems["drums"] * 2.0 + stems["bass"], {}, RATE)
    assert hot.limiter_db > 0.5
    quiet = master(tone(440.0, 6.0, amplitude=0.05), {}, RATE)
    # A sine has a 3 dB crest factor: reaching -14 LUFS needs no limiting at all.
    assert quiet.limiter_db == 0.0
    assert quiet.gain_db > 10


def test_master_is_deterministic_and_resamples_other_rates() -> None:
    stems = {
        name: resample_poly(audio, 160, 147, axis=0).astype(np.float32)
        for name, audio in groove(4.0).items()
    }
    mix = stems["drums"] + stems["bass"]
    first = master(mix, stems, 48000)
    second = master(mix, stems, 48000)
    assert first.mp3 == second.mp3
    assert first.sample_rate == 44100
    assert abs(len(first.mix) - 4 * 44100) <= 1
    assert _relative_residual_db(first.stems, first.mix) < -60


def test_silence_passes_through() -> None:
    silent = np.zeros((RATE * 2, 2), np.float32)
    result = master(silent, {"drums": silent}, RATE)
    assert result.gain_db == 0.0
    decoded, _ = decode_audio(result.mp3)
    assert np.abs(decoded).max() == 0.0


def test_limiter_gain_holds_every_true_peak_under_the_ceiling() -> None:
    stems = groove(3.0)
    loud = (stems["drums"] + stems["bass"]) * 3.0
    ceiling = 0.5
    curve = limiter_gain(loud, RATE, ceiling)
    assert curve.max() <= 1.0 and curve.min() < 1.0
    limited = loud * curve[:, None]
    assert _independent_true_peak_db(limited) <= 20 * np.log10(ceiling) + 0.1
    # Smooth: no sample-to-sample gain jumps (a click) of more than 1%.
    assert np.max(np.abs(np.diff(curve))) < 0.01


def test_in_place_master_scales_the_given_stems_and_matches_the_copying_one() -> None:
    stems = groove(4.0)
    mix = stems["drums"] + stems["bass"]
    copied = master(mix, stems, RATE)
    own = {name: audio.copy() for name, audio in stems.items()}
    in_place = master(mix, own, RATE, in_place=True)
    assert in_place.mp3 == copied.mp3
    for name, audio in in_place.stems.items():
        assert np.shares_memory(audio, own[name])  # the caller's buffer, now mastered
        assert audio.tobytes() == copied.stems[name].tobytes()
    assert stems["drums"].tobytes() != copied.stems["drums"].tobytes()  # default: inputs kept


def test_limiter_curve_in_pieces_equals_one_pass_over_the_whole_song() -> None:
    # Longer than the 10 s pieces the filters run over: the seams must not show.
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    rng = np.random.default_rng(3)
    seconds = 23.0
    loud = (rng.standard_normal((int(seconds * RATE), 2)) * 0.4).astype(np.float32)
    loud[:: RATE // 3] *= 4.0  # scattered peaks, some near the piece seams
    ceiling = 0.6
    curve = limiter_gain(loud, RATE, ceiling)

    from songsmith.media.loudness import true_peak_envelope

    need = np.minimum(ceiling / np.maximum(true_peak_envelope(loud, ceiling), 1e-12), 1.0)
    need = need.astype(np.float32)
    lookahead = int(0.003 * RATE)
    hold = int(0.040 * RATE) + (int(0.040 * RATE) - lookahead) % 2
    shift = (hold - lookahead) // 2
    held = minimum_filter1d(need, size=hold + lookahead + 1, mode="nearest")
    held[shift:] = held[: len(held) - shift].copy()
    held[:shift] = held[shift]
    box = lookahead if lookahead % 2 else lookahead - 1
    one_pass = uniform_filter1d(uniform_filter1d(held, box, mode="nearest"), box, mode="nearest")
    np.testing.assert_allclose(curve, np.minimum(one_pass, 1.0), rtol=0, atol=1e-6)
    assert curve.min() < 0.9  # the limiter acted, at seams too


def test_limiter_scales_a_given_envelope_as_it_would_the_audio() -> None:
    from songsmith.media.loudness import true_peak_envelope

    stems = groove(3.0)
    loud = stems["drums"] + stems["bass"]
    envelope = true_peak_envelope(loud)
    scaled = limiter_gain(loud, RATE, 0.5, envelope=envelope, envelope_gain=3.0)
    direct = limiter_gain(loud * np.float32(3.0), RATE, 0.5)
    assert scaled.min() < 0.5  # it limits
    np.testing.assert_allclose(scaled, direct, rtol=1e-5, atol=0)  # float rounding only
