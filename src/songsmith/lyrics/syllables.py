"""Syllable counting for the lyricist: the singer's G2P when it is there, CMU otherwise.

The melody writer sings one note per syllable counted by `songsmith.phonetics`, so the lyricist
must count with the same function; until that module is implemented the CMU dictionary stands in
behind this one seam.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*")
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")


def _cmu_word_syllables(word: str) -> int:
    import pronouncing

    phones = pronouncing.phones_for_word(word.lower())
    if phones:
        return int(pronouncing.syllable_count(phones[0]))
    # Out of dictionary: vowel groups, a silent final "e" dropped; every word is at least one.
    lowered = word.lower()
    groups = len(_VOWEL_GROUPS.findall(lowered))
    if lowered.endswith("e") and not lowered.endswith(("le", "ee")) and groups > 1:
        groups -= 1
    return max(1, groups)


def _cmu_count(line: str) -> int:
    return sum(_cmu_word_syllables(w) for w in _WORD.findall(line))


@lru_cache(maxsize=1)
def _counter() -> Callable[[str], int]:
    try:
        from songsmith.phonetics import count_syllables as singer_count
    except ImportError:
        return _cmu_count
    return singer_count


def count_syllables(line: str) -> int:
    """Syllables the singer will sing for `line` (English)."""
    try:
        return _counter()(line)
    except Exception:  # the singer's G2P failing on one line must not stop the lyricist
        return _cmu_count(line)


@lru_cache(maxsize=65536)
def word_syllables(word: str) -> int:
    """Cached per-word count, used while searching for lines that fit a target."""
    return count_syllables(word)
