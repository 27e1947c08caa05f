"""Whatever notes a composer writes (overlaps, very short notes, a note at 0, odd phonemes), the
singer returns finite audio of the promised length. Seeded random note lists (hypothesis is not
used here: its module scan imports librosa's lazy submodules, which warn)."""

from __future__ import annotations

import numpy as np
import pytest

from songsmith.engines.builtin.voice import sing
from songsmith.engines.builtin.voice.sing import TAIL_S
from songsmith.engines.score import Note

SYLLABLES = ["wˈɔ", "kɪŋ", "stɹˈit", "ə", "ðə", "tˈɛm", "mɔ̃", "lˈu", "ɭʲˈu", "2", "", "—", None]


def random_notes(seed: int) -> list[Note]:
    rng = np.random.default_rng(seed)
    notes = []
    t = float(rng.uniform(0.0, 0.5)) if seed % 3 else 0.0
    for _ in range(int(rng.integers(0, 13))):
        length = float(rng.choice([0.0, 0.02, 0.1, 0.3, 0.6, 1.2]))
        syllable = SYLLABLES[int(rng.integers(len(SYLLABLES)))]
        notes.append(Note(int(rng.integers(40, 81)), t, t + length, 0.7, syllable))
        t = max(t + float(rng.uniform(-0.2, 0.6)), 0.0)  # overlaps, legato and rests
    return notes


@pytest.mark.parametrize("seed", range(16))
def test_any_notes_give_finite_audio_of_the_promised_length(seed: int) -> None:
    notes = random_notes(seed)
    audio = sing(notes, gender="m" if seed % 2 else "f", sample_rate=16000, seed=seed)
    end = max((n.end for n in notes if n.end > n.start), default=0.0)
    assert audio.shape == (int(np.ceil((end + TAIL_S) * 16000)), 2)
    assert np.all(np.isfinite(audio))
    assert np.max(np.abs(audio), initial=0.0) <= 1.0
