"""espeak-ng through ctypes (the library and data ship in the `espeakng-loader` wheel).

The G2P for languages the singer's English G2P cannot read: IPA phonemes per word, split into
syllables here. Only espeak-ng's text-to-phoneme side is used: its waveforms are not bit-identical
from call to call (its wave generator keeps state across utterances), which the determinism bar
forbids, so `voice/` sings the IPA with the same neural voice as English. espeak-ng keeps global
state (the current language), so every call holds one process-wide lock.
"""

from __future__ import annotations

import ctypes
import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from songsmith.phonetics.nuclei import spell_chunks, split_units
from songsmith.phonetics.syllables import Syllable, Word

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INIT_DONT_EXIT = 0x8000
_CHARS_UTF8 = 1
_IPA = 0x02  # espeak_TextToPhonemes: IPA instead of espeak-ng's ASCII mnemonics
_SEPARATOR = "\x7f"  # never produced by espeak-ng, so splitting on it is exact

_LOCK = threading.Lock()


class EspeakError(RuntimeError):
    """espeak-ng could not be loaded or does not know the language."""


@dataclass
class _Engine:
    lib: Any
    sample_rate: int
    voice: str = ""


@lru_cache(maxsize=1)
def _engine() -> _Engine:
    import espeakng_loader

    try:
        lib = ctypes.CDLL(espeakng_loader.get_library_path())
    except OSError as exc:
        raise EspeakError(f"espeak-ng library could not be loaded: {exc}") from exc
    lib.espeak_Initialize.restype = ctypes.c_int
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetVoiceByName.restype = ctypes.c_int
    lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
    lib.espeak_TextToPhonemes.argtypes = [
        ctypes.POINTER(ctypes.c_char_p),
        ctypes.c_int,
        ctypes.c_int,
    ]
    options = _INIT_DONT_EXIT
    rate = lib.espeak_Initialize(
        _AUDIO_OUTPUT_SYNCHRONOUS, 0, espeakng_loader.get_data_path().encode(), options
    )
    if rate <= 0:
        raise EspeakError("espeak-ng failed to initialise")
    return _Engine(lib=lib, sample_rate=int(rate))


def _set_voice(engine: _Engine, language: str) -> None:
    if engine.voice == language:
        return
    if engine.lib.espeak_SetVoiceByName(language.encode()) != 0:
        raise EspeakError(f"espeak-ng has no voice for language {language!r}")
    engine.voice = language


def has_language(language: str) -> bool:
    with _LOCK:
        engine = _engine()
        try:
            _set_voice(engine, language)
        except EspeakError:
            return False
        return True


def _text_to_phonemes(engine: _Engine, text: str, mode: int) -> list[str]:
    """Phoneme strings of `text`, one per clause espeak-ng returns, words separated by spaces."""
    buffer = ctypes.c_char_p(text.encode())
    pointer = ctypes.pointer(buffer)
    out: list[str] = []
    while pointer.contents.value:
        chunk = engine.lib.espeak_TextToPhonemes(pointer, _CHARS_UTF8, mode)
        if chunk is None:
            break
        out.append(chunk.decode("utf-8", "replace"))
    return out


# IPA vowel letters espeak-ng writes (a diphthong such as "aɪ" is one phoneme unit).
IPA_VOWELS = frozenset("aeiouyɑɐɒæɔəɘɚɛɜɞɤɨɪɯɵøœɶʉʊʌʏᵻäëïöü")
# Units made only of these marks modify the phoneme before them (length, palatalisation, nasal).
_MODIFIERS = frozenset('ːˑʲʰ̃ˠˤ̩̯̞̝̪̠̟-"^')
_LANGUAGE_SWITCH = re.compile(r"\([a-z-]+\)")
_ONSET_SECOND = frozenset({"r", "ɾ", "l", "ɭ", "ʎ", "ʁ", "j", "w", "ɹ"})


def is_vowel_ipa(unit: str) -> bool:
    """Whether an espeak-ng phoneme unit (IPA) is a vowel: the nucleus of a syllable."""
    return any(ch in IPA_VOWELS for ch in unicodedata.normalize("NFD", unit))


def _onset_cluster(cluster: Sequence[str]) -> bool:
    # Without per-language phonotactics: one consonant starts a syllable and the rest close the
    # previous one, except consonant + liquid/glide, an onset in most European languages.
    second = cluster[1].strip("ˈˌːʲ") if len(cluster) == 2 else ""
    return second in _ONSET_SECOND


def _units(spelled: str) -> list[str]:
    """One word's IPA (units separated by _SEPARATOR) as phoneme units; pauses and language
    tags dropped."""
    units: list[str] = []
    for raw in spelled.split(_SEPARATOR):
        unit = _LANGUAGE_SWITCH.sub("", raw).replace('"', "")
        if not unit or unit.startswith("_"):
            continue
        if units and all(ch in _MODIFIERS for ch in unit):
            units[-1] += unit
        else:
            units.append(unit)
    return units


def _spell(engine: _Engine, text: str) -> list[str]:
    """espeak-ng's IPA words for `text` (units separated by _SEPARATOR)."""
    mode = _IPA | (ord(_SEPARATOR) << 8)
    return " ".join(_text_to_phonemes(engine, text, mode)).split()


def _words_units(engine: _Engine, words: list[str]) -> list[list[str]]:
    """Phoneme units per written word. The whole line at once reads best (context, and a lone
    "é" is not spelled out as a letter name); when espeak-ng merges or splits words, each word
    is read on its own instead."""
    spelled = _spell(engine, " ".join(words))
    if len(spelled) == len(words):
        return [_units(w) for w in spelled]
    return [[u for part in _spell(engine, w) for u in _units(part)] for w in words]


def syllabify_espeak(line: str, language: str) -> list[Word]:
    words: list[Word] = []
    with _LOCK:
        engine = _engine()
        _set_voice(engine, language)
        texts = [raw.strip(".,;:!?¡¿\"'“”‘’«»()[]{}…-—") for raw in line.split()]
        texts = [t for t in texts if any(ch.isalnum() for ch in t)]
        for text, units in zip(texts, _words_units(engine, texts), strict=True):
            if not any(is_vowel_ipa(u) for u in units):
                continue
            groups = split_units(units, is_vowel_ipa, _onset_cluster)
            pieces = ["".join(group) for group in groups]
            stresses = [any(mark in u for u in group for mark in "ˈˌ") for group in groups]
            chunks = spell_chunks(text, len(pieces))
            words.append(
                Word(
                    text=text,
                    syllables=tuple(
                        Syllable(text=c, phonemes=p, stressed=s)
                        for c, p, s in zip(chunks, pieces, stresses, strict=True)
                    ),
                )
            )
    return words
