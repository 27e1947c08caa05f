from __future__ import annotations

import itertools
import re
from collections.abc import Callable

import pytest

from songsmith.engines.builtin.compose import Composition
from songsmith.engines.builtin.melody import CHORUS_KINDS, voice_range
from songsmith.phonetics import syllabify_line

from .conftest import SONG_LYRICS, UNMARKED_LYRICS


def _lyric_lines(song: Composition) -> list[str]:
    return [line for s in song.form.sections for line in s.lines]


@pytest.mark.parametrize(
    "tags", ["pop", "punk", "jazz", "ballad", "rnb", "trap", "blues", "jazz waltz", "folk in 6/8"]
)
def test_every_syllable_has_a_note(composed: Callable[..., Composition], tags: str) -> None:
    song = composed(tags=tags)
    assert song.melody is not None
    expected = [
        s.phonemes for line in _lyric_lines(song) for w in syllabify_line(line) for s in w.syllables
    ]
    sung = [n.syllable for n in song.melody.notes if n.syllable is not None]
    assert sung == expected
    assert song.melody.notes[0].syllable is not None  # a melisma continues a syllable


def test_notes_are_monophonic_and_inside_the_voice(composed: Callable[..., Composition]) -> None:
    for gender in ("f", "m"):
        song = composed(vocal_gender=gender)
        assert song.melody is not None
        low, high = voice_range(gender)
        notes = song.melody.notes
        assert all(low <= n.pitch <= high for n in notes)
        assert all(n.start < n.end for n in notes)
        assert all(a.end <= b.start + 1e-9 for a, b in itertools.pairwise(notes))


def test_stress_and_chord_tones_fall_on_beats(composed: Callable[..., Composition]) -> None:
    song = composed(tags="pop", seed=5)
    assert song.melody is not None
    spb = song.plan.seconds_per_beat
    on_beat = chord_tone = strong = 0
    for phrase in song.melody.phrases:
        words = [w for w in syllabify_line(phrase.line) if w.syllables]
        stresses = [s.stressed for w in words for s in w.syllables]
        sung = [n for n in phrase.notes if n.syllable is not None]
        for note, stressed in zip(sung, stresses, strict=True):
            beat = note.start / spb
            if stressed:
                strong += 1
                on_beat += abs(beat - round(beat)) < 1e-6
                chord = song.harmony.at(beat).chord
                chord_tone += note.pitch % 12 in chord.pitch_classes
    assert on_beat / strong >= 0.75
    assert chord_tone / strong >= 0.8


def test_repeated_lines_reuse_their_melody_and_the_chorus_sits_higher(
    composed: Callable[..., Composition],
) -> None:
    song = composed(tags="pop", seed=8)
    assert song.melody is not None
    by_line: dict[str, list[list[tuple[int, float, float]]]] = {}
    for phrase in song.melody.phrases[:-1]:  # the very last phrase resolves to the tonic
        shape = [
            (n.pitch, round(n.start - phrase.notes[0].start, 6), round(n.end - n.start, 6))
            for n in phrase.notes
        ]
        by_line.setdefault(phrase.line, []).append(shape)
    repeated = {line: shapes for line, shapes in by_line.items() if len(shapes) > 1}
    assert len(repeated) >= 3
    for shapes in repeated.values():
        assert all(s == shapes[0] for s in shapes)

    phrases = song.melody.phrases

    def mean_pitch(kinds: frozenset[str]) -> float:
        pitches = [n.pitch for p in phrases if p.kind in kinds for n in p.notes]
        return sum(pitches) / len(pitches)

    assert mean_pitch(CHORUS_KINDS) > mean_pitch(frozenset({"verse"})) + 1.5


def test_chorus_lines_share_a_motif(composed: Callable[..., Composition]) -> None:
    song = composed(tags="pop", seed=21)
    assert song.melody is not None
    scale = [p for p in range(30, 100) if p % 12 in song.harmony.scale]
    contours = {}
    for phrase in song.melody.phrases:
        if phrase.kind == "chorus":
            steps = [scale.index(n.pitch) for n in phrase.notes if n.syllable is not None][:4]
            contours[phrase.line] = tuple(b - a for a, b in itertools.pairwise(steps))
    assert len(contours) >= 3
    assert len(set(contours.values())) == 1  # every chorus line opens with the same hook


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_last_phrase_resolves_to_the_tonic(composed: Callable[..., Composition], seed: int) -> None:
    song = composed(seed=seed, tags="rock")
    assert song.melody is not None
    assert song.melody.notes[-1].pitch % 12 == song.plan.tonic


def test_word_timings_are_exact_and_labelled(composed: Callable[..., Composition]) -> None:
    song = composed(lyrics=SONG_LYRICS)
    words = song.score.words
    lyric_words = [
        w.text for line in _lyric_lines(song) for w in syllabify_line(line) if w.syllables
    ]
    assert [re.sub(r"^\[[^\]]*\]\n", "", w.word) for w in words] == lyric_words
    assert all(w.start_s < w.end_s <= song.score.duration_s for w in words)
    assert all(a.end_s <= b.start_s + 1e-9 for a, b in itertools.pairwise(words))
    labelled = [w.word.split("\n")[0] for w in words if "\n" in w.word]
    assert labelled == [s.label for s in song.form.sections if s.sung]
    assert labelled[0] == "[Verse 1]"


def test_unmarked_lyrics_are_sung_with_inferred_sections(
    composed: Callable[..., Composition],
) -> None:
    song = composed(lyrics=UNMARKED_LYRICS)
    kinds = [s.kind for s in song.form.sections]
    assert kinds == ["intro", "verse", "chorus", "verse", "chorus", "outro"]
    assert song.has_vocal
