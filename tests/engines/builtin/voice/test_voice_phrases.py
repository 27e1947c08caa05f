from __future__ import annotations

from songsmith.engines.builtin.voice.phrases import MAX_PHRASE_PHONEMES, group_phrases
from songsmith.engines.score import Note


def test_rests_split_phrases_and_melisma_notes_join_their_syllable() -> None:
    notes = [
        Note(60, 0.0, 0.4, 0.8, "wˈɔ"),
        Note(62, 0.4, 0.7, 0.8, "kɪŋ"),
        Note(64, 0.7, 1.0, 0.8, None),  # melisma on "kɪŋ"
        Note(65, 1.5, 2.0, 0.8, "ðˈɛɹ"),  # after a 0.5 s rest: a new phrase
    ]
    phrases = group_phrases(notes, vocalise="ˈɑ")
    assert [[s.phonemes for s in p.syllables] for p in phrases] == [["wˈɔ", "kɪŋ"], ["ðˈɛɹ"]]
    assert [n.pitch for n in phrases[0].syllables[1].notes] == [62, 64]
    assert phrases[0].end == 1.0
    assert phrases[1].start == 1.5


def test_a_phrase_opening_without_a_syllable_sings_the_vocalise() -> None:
    (phrase,) = group_phrases([Note(60, 0.0, 1.0, 0.8, None)], vocalise="ˈɑ")
    assert [s.phonemes for s in phrase.syllables] == ["ˈɑ"]


def test_very_long_phrases_are_cut_at_syllable_boundaries() -> None:
    notes = [Note(60, i * 0.2, (i + 1) * 0.2, 0.8, "stɹˈɔŋ") for i in range(200)]
    phrases = group_phrases(notes, vocalise="ˈɑ")
    assert len(phrases) > 1
    assert sum(len(p.syllables) for p in phrases) == 200
    assert all(sum(len(s.phonemes) for s in p.syllables) <= MAX_PHRASE_PHONEMES for p in phrases)


def test_notes_out_of_order_and_empty_notes() -> None:
    notes = [
        Note(62, 0.5, 1.0, 0.8, "b"),
        Note(60, 0.0, 0.5, 0.8, "a"),
        Note(64, 1.0, 1.0, 0.8, "c"),
    ]
    (phrase,) = group_phrases(notes, vocalise="ˈɑ")
    assert [s.phonemes for s in phrase.syllables] == ["a", "b"]
