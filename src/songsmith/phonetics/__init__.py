"""Syllables and phonemes through the singer's own G2P.

The one place both the lyricist and the melody writer count syllables, so the number of notes
the melody writes equals the number of syllables the voice sings.

Public API (implemented in `phonetics/syllables.py`, re-exported here):

    @dataclass(frozen=True) class Syllable:
        text: str        # the spelling chunk it came from (best effort), e.g. "walk"
        phonemes: str    # the singer's phonemes for this syllable (what voice/ sings)
        stressed: bool   # primary/secondary stress (CMU dictionary where known)

    @dataclass(frozen=True) class Word:
        text: str                    # as written in the lyrics ("Walking")
        syllables: tuple[Syllable, ...]

    def detect_language(text: str) -> str            # "en" or an espeak-ng language code
    def syllabify_line(line: str, language: str = "en") -> list[Word]
    def count_syllables(line: str, language: str = "en") -> int
    def warm_up() -> None            # load the G2P and CMU dictionary now (worker start-up, ~2 s)

English phonemes are hibari's misaki alphabet with its stress marks (e.g. "wˈɔ", "kɪŋ");
other languages carry espeak-ng's IPA (e.g. "lˈu", "na"). `voice/` sings both with one voice.
"""

from __future__ import annotations

from songsmith.phonetics.english import warm_up
from songsmith.phonetics.language import detect_language
from songsmith.phonetics.syllables import Syllable, Word, count_syllables, syllabify_line

__all__ = ["Syllable", "Word", "count_syllables", "detect_language", "syllabify_line", "warm_up"]
