"""The male voice is the female voice through a vocal-tract-length transform: its spectral
envelope (formants) sits at ~0.82 of the female's frequencies, not just a lower pitch."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from songsmith.engines.builtin.voice import sing
from songsmith.engines.builtin.voice.spectral import MALE_ALPHA
from songsmith.engines.score import Note

SR = 24000
N_FFT = 2048


def vowel_envelope(audio: np.ndarray, notes: list[Note]) -> tuple[np.ndarray, np.ndarray]:
    """Cepstrally smoothed log spectrum averaged over the middles of the notes (frequencies, dB)."""
    mono = audio[:, 0]
    window = np.hanning(N_FFT)
    spectra = []
    for note in notes:
        a, b = int((note.start + 0.1) * SR), int((note.end - 0.1) * SR)
        for start in range(a, b - N_FFT, N_FFT // 2):
            spectra.append(np.abs(np.fft.rfft(mono[start : start + N_FFT] * window)) ** 2)
    log_spectrum = 10 * np.log10(np.mean(spectra, axis=0) + 1e-12)
    cepstrum = np.fft.irfft(log_spectrum)
    lifter = 40  # keeps the envelope, drops the harmonic ripple (pitch ~200 Hz = 120 quefrency)
    cepstrum[lifter:-lifter] = 0
    envelope = np.fft.rfft(cepstrum).real[: len(log_spectrum)]
    return np.fft.rfftfreq(N_FFT, 1 / SR), envelope


def test_male_formants_sit_at_alpha_times_the_female_ones(
    make_melody: Callable[..., list[Note]],
) -> None:
    # Both voices sing the same notes, so only the vocal tract differs.
    notes = make_melody(
        ["Oh we were dancing in the fire", "Burning brighter reaching higher"],
        base_pitch=55,
        stressed_s=0.7,
        unstressed_s=0.45,
    )
    long_notes = [n for n in notes if n.end - n.start >= 0.4]
    freqs, female = vowel_envelope(sing(notes, gender="f", sample_rate=SR), long_notes)
    _, male = vowel_envelope(sing(notes, gender="m", sample_rate=SR), long_notes)
    band = (freqs >= 250) & (freqs <= 4000)

    def detrend(envelope: np.ndarray) -> np.ndarray:
        # The spectral tilt is shared; the formant peaks are what must move.
        slope = np.polyfit(freqs[band], envelope, 1)
        return np.asarray(envelope - np.polyval(slope, freqs[band]))

    def match(alpha: float) -> float:
        shifted = detrend(np.interp(freqs[band] / alpha, freqs, female))
        return float(np.corrcoef(shifted, detrend(male[band]))[0, 1])

    alphas = np.arange(0.70, 1.06, 0.01)
    scores = [match(a) for a in alphas]
    best = float(alphas[int(np.argmax(scores))])
    assert abs(best - MALE_ALPHA) <= 0.05
    assert max(scores) > match(1.0) + 0.1  # clearly shifted, not the same envelope
