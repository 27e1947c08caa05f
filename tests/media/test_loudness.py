from __future__ import annotations

import numpy as np
import pyloudnorm
from scipy.signal import resample_poly

from songsmith.media.loudness import integrated_loudness, true_peak_dbtp, true_peak_envelope

from .audio_fixtures import RATE, groove, tone


def _reference_true_peak_db(audio: np.ndarray) -> float:
    upsampled = resample_poly(audio.astype(np.float64), 16, 1, axis=0)
    return float(20 * np.log10(np.abs(upsampled).max()))


def test_integrated_loudness_is_pyloudnorm_and_handles_silence() -> None:
    stems = groove(5.0)
    mix = stems["drums"] + stems["bass"]
    expected = pyloudnorm.Meter(RATE).integrated_loudness(mix)
    assert abs(integrated_loudness(mix, RATE) - expected) < 1e-9
    assert integrated_loudness(np.zeros((RATE * 2, 2), np.float32), RATE) == float("-inf")
    assert integrated_loudness(np.zeros((100, 2), np.float32), RATE) == float("-inf")


def test_true_peak_finds_inter_sample_overs() -> None:
    # A quarter-sample-rate sine sampled 45 degrees off its crests: the samples sit 3 dB
    # under the real peak, which only oversampling sees.
    t = np.arange(RATE) / RATE
    mono = 0.5 * np.sin(2 * np.pi * (RATE / 4) * t + np.pi / 4)
    audio = np.stack([mono, mono], axis=1).astype(np.float32)
    sample_peak_db = 20 * np.log10(np.abs(audio).max())
    measured = true_peak_dbtp(audio)
    assert measured > sample_peak_db + 2.5
    assert abs(measured - _reference_true_peak_db(audio)) < 0.1


def test_true_peak_matches_heavy_oversampling_on_music_like_audio() -> None:
    stems = groove(3.0, seed=3)
    mix = stems["drums"] + stems["bass"]
    assert abs(true_peak_dbtp(mix) - _reference_true_peak_db(mix)) < 0.1
    assert true_peak_dbtp(np.zeros((10, 2), np.float32)) == float("-inf")


def test_envelope_is_exact_above_the_floor() -> None:
    audio = tone(3000.0, 0.5, amplitude=0.8)
    exact = true_peak_envelope(audio, floor=0.0)
    skipped = true_peak_envelope(audio, floor=0.7)
    loud = exact >= 0.7
    np.testing.assert_array_equal(exact[loud], skipped[loud])
    assert np.all(exact >= np.abs(audio).max(axis=1))


def test_dense_and_sparse_paths_agree() -> None:
    stems = groove(2.0, seed=5)
    mix = stems["drums"] + stems["bass"]
    dense = true_peak_envelope(mix, floor=0.0)  # every sample a candidate: filtered in full
    sparse = true_peak_envelope(mix, floor=0.9 * float(dense.max()))  # few candidates: gathered
    loud = dense >= 0.9 * float(dense.max())
    np.testing.assert_allclose(sparse[loud], dense[loud], rtol=1e-5)


def test_true_peak_in_pieces_equals_one_pass_at_the_piece_boundaries() -> None:
    from songsmith.media.pieces import PIECE

    rng = np.random.default_rng(3)
    audio = (rng.standard_normal((2 * PIECE + 999, 2)) * 0.2).astype(np.float32)
    for position in (PIECE - 2, PIECE, PIECE + 3, 4):
        peaked = audio.copy()
        peaked[position : position + 2, 0] = (0.95, -0.95)  # inter-sample overshoot near a cut
        whole = float(true_peak_envelope(peaked, floor=0.95).max())
        assert true_peak_dbtp(peaked) == 20 * np.log10(whole)
        assert whole > 0.95
