from __future__ import annotations

import pytest

from songsmith.phonetics import Syllable, Word, count_syllables, syllabify_line


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Walking in the rain tonight", 7),
        ("Hello there", 3),
        ("Underneath the midnight sky", 7),
        ("Beautiful melody", 6),
        ("Yeah", 1),
        ("strong", 1),
        ("", 0),
        ("[Chorus]", 0),
        ("Oh, oh!", 2),
    ],
)
def test_syllable_counts_of_english_lines(line: str, expected: int) -> None:
    assert count_syllables(line) == expected


def test_words_keep_their_spelling_and_every_syllable_has_one_nucleus() -> None:
    words = syllabify_line("Walking, tonight!")
    assert [w.text for w in words] == ["Walking", "tonight"]
    assert [s.phonemes for s in words[0].syllables] == ["wˈɔ", "kɪŋ"]
    assert [s.text for s in words[0].syllables] == ["Wal", "king"]
    assert all(isinstance(s, Syllable) for w in words for s in w.syllables)
    assert all(isinstance(w, Word) for w in words)


def test_syllables_concatenate_to_the_singers_own_phonemes() -> None:
    from hibari.g2p import G2P

    line = "Extraordinary rhythm, bottle of water and a strange idea"
    sung = "".join(s.phonemes for w in syllabify_line(line) for s in w.syllables)
    spoken = "".join(ch for ch in G2P()(line) if ch.isalpha() or ch in "ˈˌᵊ")
    assert sung == spoken


def test_maximal_onset_keeps_legal_clusters_together() -> None:
    (word,) = syllabify_line("extra")
    assert [s.phonemes for s in word.syllables] == ["ˈɛk", "stɹə"]


def test_stress_comes_from_the_cmu_dictionary() -> None:
    words = syllabify_line("the beautiful tomorrow")
    assert [s.stressed for s in words[0].syllables] == [False]  # DH AH0
    assert [s.stressed for s in words[1].syllables] == [True, False, False]
    assert [s.stressed for s in words[2].syllables] == [False, True, True]  # OW2: secondary counts


def test_syllabification_is_deterministic_and_language_code_forms_agree() -> None:
    line = "Coffee cups and photographs of you"
    assert syllabify_line(line) == syllabify_line(line, "en-US") == syllabify_line(line, "EN")


def test_spanish_goes_through_espeak_with_stress() -> None:
    words = syllabify_line("Bailando bajo la luna", "es")
    assert [len(w.syllables) for w in words] == [3, 2, 1, 2]
    assert words[3].syllables[0].stressed and not words[3].syllables[1].stressed


def test_languages_without_spaces_still_get_syllables() -> None:
    assert count_syllables("我爱你", "cmn") == 3


def test_unknown_language_raises_a_clear_error() -> None:
    from songsmith.phonetics.espeak import EspeakError

    with pytest.raises(EspeakError, match="no voice"):
        syllabify_line("hola", "xx-notalanguage")
