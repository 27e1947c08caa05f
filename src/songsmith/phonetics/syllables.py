"""Syllables of a lyric line, as the singer will sing them.

English goes through the singer's own G2P (hibari's misaki port), so a syllable here is exactly
one vowel nucleus the voice will stretch over a note. Other languages go through espeak-ng.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_MARKER = re.compile(r"\[[^\]]*\]")


@dataclass(frozen=True)
class Syllable:
    text: str  # the spelling chunk it came from (best effort), e.g. "walk"
    phonemes: str  # the singer's phonemes for this syllable (what voice/ sings)
    stressed: bool  # primary/secondary stress (CMU dictionary where known)


@dataclass(frozen=True)
class Word:
    text: str  # as written in the lyrics ("Walking")
    syllables: tuple[Syllable, ...]


def syllabify_line(line: str, language: str = "en") -> list[Word]:
    """Words of one lyric line with their syllables; punctuation and section markers such as
    "[Chorus]" carry none (they are not sung)."""
    return list(_syllabify_cached(_MARKER.sub(" ", line).strip(), _normalise_language(language)))


def count_syllables(line: str, language: str = "en") -> int:
    return sum(len(word.syllables) for word in syllabify_line(line, language))


def _normalise_language(language: str) -> str:
    code = (language or "en").strip().lower().replace("_", "-")
    return "en" if code in ("en", "en-us", "english") else code


@lru_cache(maxsize=8192)
def _syllabify_cached(line: str, language: str) -> tuple[Word, ...]:
    if not line:
        return ()
    if language == "en":
        from songsmith.phonetics.english import syllabify_english

        return tuple(syllabify_english(line))
    from songsmith.phonetics.espeak import syllabify_espeak

    return tuple(syllabify_espeak(line, language))
