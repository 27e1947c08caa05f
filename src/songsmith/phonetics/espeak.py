"""espeak-ng through ctypes (the library and data ship in the `espeakng-loader` wheel).

Used for languages the singer's English G2P cannot read: phonemes and syllables here, and the
speech `voice/` re-pitches onto the melody. espeak-ng keeps global state (current voice, callback),
so every call holds one process-wide lock.
"""

from __future__ import annotations

import ctypes
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from songsmith.phonetics.nuclei import spell_chunks, split_units
from songsmith.phonetics.syllables import Syllable, Word

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INIT_PHONEME_EVENTS = 0x0001
_INIT_DONT_EXIT = 0x8000
_CHARS_UTF8 = 1
_PHONEME_INPUT = 0x100  # espeakPHONEMES: [[ ]] holds phoneme mnemonics
_EVENT_PHONEME = 7
_EVENT_LIST_TERMINATED = 0
_PARAM_RATE = 1
_SEPARATOR = "\x7f"  # never produced by espeak-ng, so splitting on it is exact

_LOCK = threading.Lock()


class EspeakError(RuntimeError):
    """espeak-ng could not be loaded or does not know the language."""


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


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
    lib.espeak_SetSynthCallback.argtypes = [_CALLBACK]
    lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
    lib.espeak_Synth.argtypes = [
        ctypes.c_char_p,
        ctypes.c_size_t,
        ctypes.c_uint,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.c_uint,
        ctypes.POINTER(ctypes.c_uint),
        ctypes.c_void_p,
    ]
    options = _INIT_PHONEME_EVENTS | _INIT_DONT_EXIT
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


_VOWEL_LETTERS = frozenset("aeiouyAEIOUY@03V&")
_MODIFIERS = frozenset(';:~-"^#')
_LANGUAGE_SWITCH = re.compile(r"\([a-z-]+\)")


def clean_mnemonic(unit: str) -> str:
    """A phoneme mnemonic without the language-switch tags espeak-ng inserts ("(en)")."""
    return _LANGUAGE_SWITCH.sub("", unit)


def is_vowel_mnemonic(unit: str) -> bool:
    """Whether an espeak-ng phoneme mnemonic is a vowel (a syllable nucleus): espeak-ng spells
    every vowel (and glide+vowel units such as Russian "ja") with a vowel letter or @ 0 3 V &,
    and no consonant with one."""
    return any(ch in _VOWEL_LETTERS for ch in clean_mnemonic(unit))


def _onset_cluster(cluster: Sequence[str]) -> bool:
    # Without per-language phonotactics: one consonant starts a syllable and the rest close the
    # previous one, except consonant + liquid/glide, an onset in most European languages.
    return len(cluster) == 2 and clean_mnemonic(cluster[1]).strip(";") in ("r", "*", "l", "R", "j")


def _word_units(engine: _Engine, word: str) -> list[str]:
    """espeak-ng phoneme mnemonics of one word, pauses and language tags dropped."""
    sep = ord(_SEPARATOR) << 8
    spelled = " ".join(_text_to_phonemes(engine, word, sep))
    units: list[str] = []
    for part in spelled.split():
        for raw in part.split(_SEPARATOR):
            unit = clean_mnemonic(raw)
            if not unit or unit.startswith("_"):
                continue
            if units and all(ch in _MODIFIERS for ch in unit):
                units[-1] += (
                    unit  # palatalisation, length, nasal marks belong to the phoneme before
                )
            else:
                units.append(unit)
    return units


def syllabify_espeak(line: str, language: str) -> list[Word]:
    words: list[Word] = []
    with _LOCK:
        engine = _engine()
        _set_voice(engine, language)
        for raw in line.split():
            text = raw.strip(".,;:!?¡¿\"'“”‘’«»()[]{}…-—")
            if not any(ch.isalnum() for ch in text):
                continue
            units = _word_units(engine, text)
            if not any(is_vowel_mnemonic(u) for u in units):
                continue
            groups = split_units(units, is_vowel_mnemonic, _onset_cluster)
            pieces = ["".join(group) for group in groups]
            stresses = [any(u.startswith(("'", ",")) for u in group) for group in groups]
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


@dataclass(frozen=True)
class SpokenPhoneme:
    name: str  # espeak-ng phoneme mnemonic
    start_s: float


@dataclass(frozen=True)
class Speech:
    samples: Any  # float32 mono numpy array
    sample_rate: int
    phonemes: tuple[SpokenPhoneme, ...]


def speak_phonemes(
    mnemonics: str, language: str, rate_wpm: int = 130, variant: str = ""
) -> Speech:
    """Synthesize espeak-ng phoneme mnemonics (as `syllabify_espeak` wrote them) with the timing
    of every phoneme; `variant` is an espeak-ng voice variant such as "f3" (female)."""
    import numpy as np

    chunks: list[Any] = []
    events: list[SpokenPhoneme] = []

    def on_audio(wav: Any, count: int, event_ptr: Any) -> int:
        if count > 0:
            chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        k = 0
        while event_ptr[k].type != _EVENT_LIST_TERMINATED:
            ev = event_ptr[k]
            if ev.type == _EVENT_PHONEME:
                name = bytes(ev.id.string).split(b"\0", 1)[0].decode("utf-8", "replace")
                events.append(SpokenPhoneme(name=name, start_s=ev.audio_position / 1000.0))
            k += 1
        return 0

    callback = _CALLBACK(on_audio)
    text = f"[[{mnemonics}]]".encode()
    with _LOCK:
        engine = _engine()
        _set_voice(engine, f"{language}+{variant}" if variant else language)
        engine.lib.espeak_SetSynthCallback(callback)
        engine.lib.espeak_SetParameter(_PARAM_RATE, rate_wpm, 0)
        engine.lib.espeak_Synth(
            text, len(text) + 1, 0, 0, 0, _CHARS_UTF8 | _PHONEME_INPUT, None, None
        )
        sample_rate = engine.sample_rate
    pcm = np.concatenate(chunks) if chunks else np.zeros(0, np.int16)
    return Speech(
        samples=(pcm.astype(np.float32) / 32768.0),
        sample_rate=sample_rate,
        phonemes=tuple(events),
    )
