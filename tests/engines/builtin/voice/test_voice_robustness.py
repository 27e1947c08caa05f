"""Whatever notes a composer writes (overlaps, very short notes, a note at 0, odd phonemes), the
singer returns finite audio of the promised length."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from songsmith.engines.builtin.voice import sing
from songsmith.engines.builtin.voice.sing import TAIL_S
from songsmith.engines.score import Note

SYLLABLES = ["wˈɔ", "kɪŋ", "stɹˈit", "ə", "ðə", "tˈɛm", "mɔ̃", "lˈu", "ɭʲˈu", "2", "", "—", None]


@st.composite
def note_lists(draw: st.DrawFn) -> list[Note]:
    count = draw(st.integers(min_value=0, max_value=12))
    notes = []
    t = draw(st.floats(min_value=0.0, max_value=0.5))
    for _ in range(count):
        length = draw(st.floats(min_value=0.0, max_value=1.2))
        syllable = draw(st.sampled_from(SYLLABLES))
        notes.append(Note(draw(st.integers(40, 80)), t, t + length, 0.7, syllable))
        t += draw(st.floats(min_value=-0.2, max_value=0.6))  # overlaps, legato and rests
        t = max(t, 0.0)
    return notes


@settings(
    max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(notes=note_lists(), male=st.booleans())
def test_any_notes_give_finite_audio_of_the_promised_length(notes: list[Note], male: bool) -> None:
    audio = sing(notes, gender="m" if male else "f", sample_rate=16000)
    end = max((n.end for n in notes if n.end > n.start), default=0.0)
    assert audio.shape == (int(np.ceil((end + TAIL_S) * 16000)), 2)
    assert np.all(np.isfinite(audio))
    assert np.max(np.abs(audio), initial=0.0) <= 1.0
