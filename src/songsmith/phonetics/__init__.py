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
"""

from __future__ import annotations
