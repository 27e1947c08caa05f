"""A minimal tempo, beat and key estimate for audio that came with no score and no analysis."""

from __future__ import annotations

import math

import numpy as np

from songsmith.engines.builtin.modes.context import MusicalContext
from songsmith.engines.typing import Audio

ANALYSIS_RATE = 22050
MAX_ANALYSED_S = 90.0  # tempo and key settle long before this; keeps the estimate cheap
# Krumhansl-Kessler key profiles (major, minor), tonic first
_MAJOR_PROFILE = (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88)
_MINOR_PROFILE = (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17)


def estimate_context(audio: Audio, sample_rate: int) -> MusicalContext:
    """Tempo and first beat (librosa), key (Krumhansl-Schmuckler on the chroma); 4/4 assumed."""
    import librosa

    audio_s = len(audio) / float(sample_rate) if sample_rate else 0.0
    mono = np.asarray(audio, dtype=np.float32)
    if mono.ndim == 2:
        mono = mono.mean(axis=1)
    mono = mono[: int(MAX_ANALYSED_S * sample_rate)]
    if sample_rate != ANALYSIS_RATE and len(mono):
        mono = librosa.resample(mono, orig_sr=sample_rate, target_sr=ANALYSIS_RATE)
    bpm, origin = 120.0, 0.0
    tonic, mode = 0, "major"
    if len(mono) >= ANALYSIS_RATE and float(np.max(np.abs(mono))) > 1e-4:
        tempo, beats = librosa.beat.beat_track(y=mono, sr=ANALYSIS_RATE, units="time")
        value = float(np.atleast_1d(tempo)[0])
        if 30.0 <= value <= 300.0:
            bpm = value
        if len(beats):
            bar_s = 4 * 60.0 / bpm
            origin = float(beats[0]) - math.floor(float(beats[0]) / bar_s) * bar_s
        chroma = librosa.feature.chroma_stft(y=mono, sr=ANALYSIS_RATE).mean(axis=1)
        tonic, mode = key_of_chroma(chroma)
    return MusicalContext(
        bpm=bpm,
        tonic=tonic,
        mode=mode,
        time_signature=(4, 4),
        origin_s=origin,
        end_s=audio_s,
        audio_s=audio_s,
        estimated=True,
    )


def key_of_chroma(chroma: np.ndarray) -> tuple[int, str]:
    """The key profile, rotated to each tonic, that correlates best with a 12-bin chroma."""
    best = (-2.0, 0, "major")
    for mode, profile in (("major", _MAJOR_PROFILE), ("minor", _MINOR_PROFILE)):
        for tonic in range(12):
            rotated = np.roll(np.asarray(profile), tonic)
            r = float(np.corrcoef(rotated, chroma)[0, 1]) if np.std(chroma) > 0 else -1.0
            if r > best[0]:
                best = (r, tonic, mode)
    return best[1], best[2]
