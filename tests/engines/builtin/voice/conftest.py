"""Fixtures for the singer's tests: melodies built from real lyric lines, and pitch measured on the
rendered audio with librosa's pyin (the measurement quality.md names)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
import pytest

from songsmith.engines.score import Note
from songsmith.phonetics import syllabify_line

MelodyMaker = Callable[..., list[Note]]
PitchMeter = Callable[[npt.NDArray[np.float32], Sequence[Note], int], npt.NDArray[np.float64]]

# A stepwise tune with leaps, the shape a melody writer produces (offsets from the base pitch).
TUNE = (0, 2, 4, 5, 7, 9, 7, 5, 4, 2, 0, 4, 7, 9, 11, 12, 7, 4)


def make_melody_notes(
    lines: Sequence[str],
    *,
    base_pitch: int,
    language: str = "en",
    start: float = 0.4,
    stressed_s: float = 0.5,
    unstressed_s: float = 0.3,
    rest_s: float = 0.6,
    melisma_at_line_end: bool = True,
) -> list[Note]:
    """One note per syllable (longer on stressed ones), a melisma note ending each line, a rest
    between lines."""
    notes: list[Note] = []
    t = start
    k = 0
    for line in lines:
        for word in syllabify_line(line, language):
            for syllable in word.syllables:
                length = stressed_s if syllable.stressed else unstressed_s
                pitch = base_pitch + TUNE[k % len(TUNE)]
                notes.append(Note(pitch, t, t + length, 0.8, syllable.phonemes))
                t += length
                k += 1
        if melisma_at_line_end and notes:
            notes.append(Note(notes[-1].pitch - 2, t, t + 0.5, 0.8, None))
            t += 0.5
        t += rest_s
    return notes


@pytest.fixture
def make_melody() -> MelodyMaker:
    return make_melody_notes


def note_pitch_errors_cents(
    audio: npt.NDArray[np.float32], notes: Sequence[Note], sample_rate: int
) -> npt.NDArray[np.float64]:
    """Per note of >= 150 ms: median pyin F0 over the middle 50% of the note vs the score, in
    cents (inf where pyin found no voiced frame)."""
    import librosa

    analysis_rate = 22050
    mono = audio[:, 0] if audio.ndim == 2 else audio
    y = librosa.resample(mono, orig_sr=sample_rate, target_sr=analysis_rate)
    f0, _, _ = librosa.pyin(
        y, fmin=70.0, fmax=900.0, sr=analysis_rate, frame_length=1024, hop_length=256
    )
    times = librosa.times_like(f0, sr=analysis_rate, hop_length=256)
    errors = []
    for note in notes:
        length = note.end - note.start
        if length < 0.15:
            continue
        middle = (times >= note.start + length / 4) & (times <= note.end - length / 4)
        found = f0[middle & np.isfinite(f0)]
        if found.size == 0:
            errors.append(np.inf)
            continue
        expected = 440.0 * 2.0 ** ((note.pitch - 69) / 12.0)
        errors.append(1200.0 * np.log2(float(np.median(found)) / expected))
    return np.asarray(errors)


@pytest.fixture
def measure_pitch_errors() -> PitchMeter:
    return note_pitch_errors_cents
