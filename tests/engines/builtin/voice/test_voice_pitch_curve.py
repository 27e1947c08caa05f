from __future__ import annotations

import numpy as np
import pytest

from songsmith.engines.builtin.voice.pitch import (
    GLIDE_S,
    VIBRATO_SEMITONES,
    melody_f0,
    midi_to_hz,
)
from songsmith.engines.score import Note

NOTES = [Note(69, 0.0, 0.5, 0.8, "a"), Note(72, 0.5, 2.0, 0.8, "b")]


def semitones(hz: np.ndarray) -> np.ndarray:
    return 69.0 + 12.0 * np.log2(hz / 440.0)


def test_short_notes_hold_their_pitch_exactly() -> None:
    f0 = melody_f0(NOTES, np.asarray([0.1, 0.25, 0.45]))
    assert f0 == pytest.approx([midi_to_hz(69)] * 3)


def test_glides_into_a_note_within_80_ms() -> None:
    t = np.asarray([0.5, 0.5 + GLIDE_S / 2, 0.5 + GLIDE_S, 0.7])
    st = semitones(melody_f0(NOTES, t))
    assert st[0] == pytest.approx(69.0)
    assert 69.0 < st[1] < 72.0
    assert st[2:] == pytest.approx([72.0, 72.0])


def test_vibrato_starts_late_and_stays_within_a_quarter_tone() -> None:
    t = np.linspace(1.2, 2.0, 400)
    st = semitones(melody_f0(NOTES, t))
    assert np.max(np.abs(st - 72.0)) <= VIBRATO_SEMITONES + 1e-9
    assert np.max(st) - np.min(st) > VIBRATO_SEMITONES  # it does waver
