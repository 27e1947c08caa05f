from __future__ import annotations

import numpy as np

from songsmith.engines.builtin.voice.spectral import (
    LR_ATTENUATION,
    fold_free_phase_branch,
    warp_vocal_tract,
)


def test_vocal_tract_warp_moves_a_formant_down_by_alpha() -> None:
    bins = np.arange(601, dtype=np.float32)
    spectrum = np.exp(-0.5 * ((bins - 100.0) / 5.0) ** 2).astype(np.float32)[:, None]  # 2 kHz
    warped = warp_vocal_tract(spectrum, 0.82)
    assert abs(int(np.argmax(warped[:, 0])) - 82) <= 1


def test_vocal_tract_warp_reaches_the_top_bin_without_extrapolating() -> None:
    ramp = np.linspace(0.0, 1.0, 601, dtype=np.float32)[:, None]
    warped = warp_vocal_tract(ramp, 0.82)
    assert warped[0, 0] == 0.0
    assert warped[-1, 0] == 1.0
    assert np.all(np.diff(warped[:, 0]) >= 0)


def test_fold_moves_the_free_phase_harmonics_into_the_harmonic_branch() -> None:
    rng = np.random.default_rng(0)
    lh = np.full((601, 4), -5.0, np.float32)
    lr = np.full((601, 4), -8.0, np.float32)
    lr[::10, :] = 0.0  # harmonics of a 200 Hz speech pitch in the free-phase branch
    phi = np.zeros((601, 4), np.float32)
    voiced = np.asarray([True, True, False, False])
    lr_before = lr.copy()
    fold_free_phase_branch(lh, lr, phi, voiced, rng)
    assert np.all(lh[:, :2] > -1.5)  # the envelope (~exp(0) smoothed) now drives the pulses
    assert np.all(lh[:, 2:] == -5.0)
    assert np.allclose(lr[:, :2], lr_before[:, :2] - LR_ATTENUATION)
    assert np.all(lr[:, 2:] == lr_before[:, 2:])
    assert np.std(phi[:, :2]) > 1.0 and np.all(phi[:, 2:] == 0.0)
