"""Edits of hibari's per-frame spectra that turn speech acoustics into a sung voice.

The model's free-phase branch (`lr`, `phi`) carries harmonics at the *speech* pitch: left alone it
adds an 80 Hz comb and the wrong pitch under the melody. In voiced frames its upper envelope goes
into the harmonic branch's magnitude (`exp(lh)`, which the melody's pulse train excites), `lr` is
attenuated strongly and `phi` randomised. The male voice is the same voice through a
vocal-tract-length transform: every frame's spectra move down the frequency axis by `alpha`.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]

BIN_HZ = 20.0  # 24 kHz / 1200-point FFT
ENVELOPE_BINS = 13  # a max filter wider than one speech harmonic spacing (~260 Hz)
SMOOTH_BINS = 5
LR_ATTENUATION = 4.6  # natural log units: -40 dB
VTLN_KNEE_HZ = 9000.0
MALE_ALPHA = 0.82


def fold_free_phase_branch(
    lh: FloatArray,
    lr: FloatArray,
    phi: FloatArray,
    voiced: npt.NDArray[np.bool_],
    rng: np.random.Generator,
) -> None:
    """In place, on [bins, frames] arrays; `voiced` selects frames."""
    from scipy.ndimage import maximum_filter1d, uniform_filter1d

    if not voiced.any():
        return
    lr_v = lr[:, voiced]
    envelope = maximum_filter1d(np.exp(np.minimum(lr_v, 7.0)), ENVELOPE_BINS, axis=0)
    envelope = uniform_filter1d(envelope, SMOOTH_BINS, axis=0)
    harmonic = np.exp(np.minimum(lh[:, voiced], 7.0) * 2.0)
    lh[:, voiced] = 0.5 * np.log(harmonic + envelope * envelope + 1e-12)
    lr[:, voiced] = lr_v - LR_ATTENUATION
    phi[:, voiced] = rng.uniform(-np.pi, np.pi, size=phi[:, voiced].shape).astype(np.float32)


@lru_cache(maxsize=8)
def _warp_table(bins: int, alpha: float) -> tuple[npt.NDArray[np.intp], FloatArray]:
    """Source bin (floor, fraction) for each output bin: output frequency f reads the input at
    f / alpha up to the knee, then a straight line to the top bin (nothing extrapolated)."""
    top = bins - 1
    knee = min(VTLN_KNEE_HZ / BIN_HZ, top * alpha)
    out = np.arange(bins, dtype=np.float64)
    source = out / alpha
    above = out > knee
    source[above] = knee / alpha + (out[above] - knee) * (top - knee / alpha) / (top - knee)
    source = np.clip(source, 0.0, top)
    floor = np.minimum(np.floor(source).astype(np.intp), top - 1)
    return floor, (source - floor).astype(np.float32)


def warp_vocal_tract(spectrum: FloatArray, alpha: float) -> FloatArray:
    """[bins, frames] -> the same spectrum with its features at `alpha` times their frequency."""
    floor, frac = _warp_table(spectrum.shape[0], alpha)
    low = spectrum[floor]
    high = spectrum[floor + 1]
    return np.asarray(low + (high - low) * frac[:, None], np.float32)
