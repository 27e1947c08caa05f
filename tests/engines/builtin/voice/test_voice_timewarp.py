from __future__ import annotations

import numpy as np
import pytest

from songsmith.engines.builtin.voice.timewarp import (
    MAX_CODA_S,
    MAX_ONSET_S,
    RELEASE_S,
    NoteSpan,
    SpokenSyllable,
    build_time_map,
)

SPOKEN = [
    SpokenSyllable(onset=0.10, nucleus=0.25, coda=0.35, end=0.40),  # long onset ("str")
    SpokenSyllable(onset=0.40, nucleus=0.45, coda=0.55, end=0.70),
]
SUNG = [NoteSpan(1.0, 1.6), NoteSpan(1.6, 2.6)]


def test_vowels_land_on_the_beats_and_onsets_come_before_them() -> None:
    warp = build_time_map(SPOKEN, SUNG, speech_end=1.0)
    assert warp(np.asarray([1.0]))[0] == pytest.approx(0.25)  # first vowel starts on the beat
    assert warp(np.asarray([1.6]))[0] == pytest.approx(0.45)  # second vowel on its beat
    assert warp.start == pytest.approx(1.0 - MAX_ONSET_S)  # onset capped, before the beat
    assert warp.end == pytest.approx(2.6 + RELEASE_S)


def test_the_map_is_monotonic_and_the_vowel_is_what_stretches() -> None:
    warp = build_time_map(SPOKEN, SUNG, speech_end=1.0)
    t = np.linspace(warp.start, warp.end, 500)
    spoken = warp(t)
    assert np.all(np.diff(spoken) >= 0)
    in_vowel = (spoken >= 0.45) & (spoken < 0.55)
    held_s = np.mean(in_vowel) * (warp.end - warp.start)
    # The 1 s note holds its vowel except for the (capped) coda at its tail.
    assert held_s == pytest.approx(1.0 - MAX_CODA_S, abs=0.01)


def test_the_first_onset_cannot_start_before_the_previous_phrase_ended() -> None:
    warp = build_time_map(SPOKEN, SUNG, speech_end=1.0, earliest_start=0.97)
    assert warp.start == pytest.approx(0.97)


def test_mismatched_syllables_are_refused() -> None:
    with pytest.raises(ValueError, match="one spoken syllable per sung syllable"):
        build_time_map(SPOKEN, SUNG[:1], speech_end=1.0)
