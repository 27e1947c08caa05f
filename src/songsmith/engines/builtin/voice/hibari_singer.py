"""A phrase sung by hibari's voice: its acoustics time-warped onto the notes, voiced at the melody.

English syllables arrive in hibari's own misaki letters; other languages in espeak-ng's IPA, which
the model's vocabulary mostly shares (Kokoro's multilingual alphabet), so one voice sings both.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from songsmith.engines.builtin.voice.model import FRAME_S, Acoustics, load_singer_model
from songsmith.engines.builtin.voice.phrases import Phrase
from songsmith.engines.builtin.voice.pitch import melody_f0
from songsmith.engines.builtin.voice.spectral import (
    MALE_ALPHA,
    fold_free_phase_branch,
    warp_vocal_tract,
)
from songsmith.engines.builtin.voice.timewarp import (
    NoteSpan,
    SpokenSyllable,
    TimeMap,
    build_time_map,
)
from songsmith.phonetics.english import MISAKI_VOWELS
from songsmith.phonetics.espeak import IPA_VOWELS

FloatArray = npt.NDArray[np.float32]
SINGER_VOWELS = MISAKI_VOWELS | IPA_VOWELS
# Vocabulary entries that are punctuation or pauses: never part of a sung syllable.
_NOT_SUNG = frozenset(' !"(),.:;?—…“”→↓↗↘')
_MARKS = frozenset("ː\u0303ʰʲ")  # length, nasal, aspiration, palatal: part of their letter
# IPA letters espeak-ng writes that the model's vocabulary lacks: the nearest letter it has.
_NEAREST_LETTER = {
    "ɭ": "l", "ɫ": "l", "ɬ": "l", "ɮ": "l", "ʏ": "y", "ɘ": "ə", "ɵ": "ø", "ɞ": "œ", "ɶ": "œ",
    "ʉ": "u", "ʀ": "ʁ", "ɦ": "h", "ʍ": "w", "ɱ": "m", "ɺ": "ɾ", "ʑ": "ʒ", "ɧ": "ʃ", "ɗ": "d",
    "ɓ": "b", "ʄ": "ɟ", "ɠ": "ɡ", "g": "ɡ",
}  # fmt: skip
VOCALISE = "ˈɑ"  # what a note sings when it has no syllable and nothing to continue
VOICED_F0_HZ = 40.0  # hibari's own voicing threshold
VOWEL_BINS = 250  # up to 5 kHz: where a vowel's energy is
VOWEL_CORE_DB = float(np.log(10 ** (12 / 20)))  # frames within 12 dB of the vowel's peak
EVEN_LEVEL_DB = float(np.log(10 ** (6 / 20)))  # vowels more than 6 dB under the median are raised
MAX_RAISE_DB = float(np.log(10 ** (24 / 20)))
FADE_IN_S = 0.01
SPEECH_CACHE_PHRASES = 24  # ~3 MB each: a chorus and the verse between two of its repeats


@dataclass(frozen=True)
class SungPhrase:
    """A phrase's mono audio at the model's rate, and where it starts on the song's timeline."""

    start_s: float  # where sample 0 sits on the song's timeline
    samples: FloatArray  # mono, at `sample_rate`
    sample_rate: int


def singable_letters(phonemes: str, vocab: dict[str, int]) -> list[str]:
    """The syllable's letters the model can sing: accents and marks it lacks are dropped,
    letters it lacks replaced by the nearest it has."""
    import unicodedata

    out: list[str] = []
    for ch in unicodedata.normalize("NFD", phonemes):
        letter = _NEAREST_LETTER.get(ch, ch)
        if letter in vocab and letter not in _NOT_SUNG:
            out.append(letter)
    return out


def _syllable_ids(phonemes: str, vocab: dict[str, int]) -> tuple[list[int], list[bool]]:
    chars = singable_letters(phonemes, vocab)
    if not any(ch in SINGER_VOWELS for ch in chars):
        chars = [*chars, *VOCALISE] if chars else list(VOCALISE)
    flags: list[bool] = []
    for ch in chars:
        # Length and nasal marks extend the letter before them ("ɐ̃ʊ̃" is one nucleus).
        flags.append(flags[-1] if ch in _MARKS and flags else ch in SINGER_VOWELS)
    return [vocab[ch] for ch in chars], flags


def _spoken_syllables(acoustics: Acoustics, vowel_flags: list[list[bool]]) -> list[SpokenSyllable]:
    """Each syllable's onset / vowel / coda boundaries in the speech, in seconds."""
    bounds = acoustics.token_start_frame * FRAME_S  # bounds[j + 1] = start of id j
    out: list[SpokenSyllable] = []
    first = 0
    for flags in vowel_flags:
        vowel = flags.index(True)
        vowel_end = vowel
        while vowel_end < len(flags) and flags[vowel_end]:
            vowel_end += 1
        out.append(
            SpokenSyllable(
                onset=float(bounds[first + 1]),
                nucleus=float(bounds[first + vowel + 1]),
                coda=float(bounds[first + vowel_end + 1]),
                end=float(bounds[first + len(flags) + 1]),
            )
        )
        first += len(flags)
    return out


def _vowel_cores(acoustics: Acoustics, syllables: list[SpokenSyllable]) -> list[SpokenSyllable]:
    """Each vowel narrowed (or shifted) to its loud voiced frames. The duration grid drifts from
    the acoustics by a few frames, most at the end of a phrase; stretching a vowel's faded edge
    would sing a long note on its decay."""
    level = _vowel_level(acoustics)
    voiced = acoustics.f0 > VOICED_F0_HZ
    out: list[SpokenSyllable] = []
    for s in syllables:
        first = max(int(np.floor(s.onset / FRAME_S)), int(np.floor(s.nucleus / FRAME_S)) - 4, 0)
        last = min(int(np.ceil(s.coda / FRAME_S)) + 1, acoustics.frames)
        if last <= first:
            out.append(s)
            continue
        window = level[first:last]
        loud = np.flatnonzero((window >= window.max() - VOWEL_CORE_DB) & voiced[first:last])
        if loud.size == 0:
            out.append(s)
            continue
        nucleus = max((first + int(loud[0])) * FRAME_S, s.onset)
        coda = min((first + int(loud[-1]) + 1) * FRAME_S, s.end)
        out.append(SpokenSyllable(s.onset, nucleus, max(coda, nucleus), max(s.end, coda)))
    return out


def _even_out_vowels(acoustics: Acoustics, cores: list[SpokenSyllable]) -> Acoustics:
    """Speech fades at the end of a phrase (the last vowel can sit 20 dB under the others); a
    singer holds every vowel near the same level, so weak syllables are raised."""
    level = _vowel_level(acoustics)
    peaks = []
    for s in cores:
        a, b = (
            int(s.nucleus / FRAME_S),
            max(int(np.ceil(s.coda / FRAME_S)), int(s.nucleus / FRAME_S) + 1),
        )
        peaks.append(float(level[a:b].max()) if b > a and a < acoustics.frames else None)
    known = [p for p in peaks if p is not None]
    if not known:
        return acoustics
    floor = float(np.median(known)) - EVEN_LEVEL_DB
    gain = np.zeros(acoustics.frames, np.float32)
    for s, peak in zip(cores, peaks, strict=True):
        if peak is not None and peak < floor:
            a, b = int(s.onset / FRAME_S), int(np.ceil(s.end / FRAME_S))
            gain[a:b] = min(floor - peak, MAX_RAISE_DB)
    if not gain.any():
        return acoustics
    return replace(
        acoustics,
        lh=acoustics.lh + gain,
        ln=acoustics.ln + gain,
        lr=acoustics.lr + gain,
    )


def _vowel_level(acoustics: Acoustics) -> FloatArray:
    """Per-frame harmonic level (natural-log amplitude) below 5 kHz."""
    lh = np.minimum(acoustics.lh[:VOWEL_BINS], 7.0)
    return np.asarray(0.5 * np.log(np.sum(np.exp(2.0 * lh), axis=0)), np.float32)


def _resample_frames(
    acoustics: Acoustics, position: npt.NDArray[np.float64]
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """The five spectra and F0 read at fractional frame positions (phase: nearest frame)."""
    last = acoustics.frames - 1
    position = np.clip(position, 0.0, float(last))
    low = np.minimum(np.floor(position).astype(np.intp), max(last - 1, 0))
    high = np.minimum(low + 1, last)
    frac = (position - low).astype(np.float32)

    def lerp(x: FloatArray) -> FloatArray:
        # each column gather once, the rest in place (same arithmetic as lo + (hi - lo) * frac)
        lo = x[:, low]
        out = x[:, high]
        out -= lo
        out *= frac
        out += lo
        return np.asarray(out, np.float32)

    nearest = np.rint(position).astype(np.intp)
    f0 = acoustics.f0[low] + (acoustics.f0[high] - acoustics.f0[low]) * frac
    return (
        lerp(acoustics.lh),
        lerp(acoustics.theta),
        lerp(acoustics.ln),
        lerp(acoustics.lr),
        np.ascontiguousarray(acoustics.phi[:, nearest]),
        np.asarray(f0, np.float32),
    )


def _in_vowel(
    spoken_time: npt.NDArray[np.float64], syllables: list[SpokenSyllable]
) -> npt.NDArray[np.bool_]:
    mask = np.zeros(spoken_time.shape, bool)
    for s in syllables:
        mask |= (spoken_time >= s.nucleus) & (spoken_time < s.coda)
    return mask


class SpeechCache:
    """The speech of phrases already sung in this song, by their letters.

    The model's acoustics (and the vowel cores read from them) depend only on the letters, so a
    repeated line (every chorus, and the backing vocals that double it) is warped and voiced
    from the same speech without running the model again: the same samples as running it
    (the model is single-threaded and deterministic). Read-only arrays; the oldest phrase goes
    first past `limit`. One per song, dropped after singing (it holds tens of MB)."""

    def __init__(self, limit: int = SPEECH_CACHE_PHRASES) -> None:
        self._limit = limit
        self._entries: OrderedDict[tuple[int, ...], tuple[Acoustics, list[SpokenSyllable]]]
        self._entries = OrderedDict()
        self.hits = 0

    def get(self, key: tuple[int, ...]) -> tuple[Acoustics, list[SpokenSyllable]] | None:
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
            self.hits += 1
        return entry

    def put(self, key: tuple[int, ...], acoustics: Acoustics, spoken: list[SpokenSyllable]) -> None:
        for array in (acoustics.lh, acoustics.theta, acoustics.ln, acoustics.lr, acoustics.phi):
            array.setflags(write=False)
        acoustics.f0.setflags(write=False)
        self._entries[key] = (acoustics, spoken)
        while len(self._entries) > self._limit:
            self._entries.popitem(last=False)


def _speech(
    ids: list[int], vowel_flags: list[list[bool]], cache: SpeechCache | None
) -> tuple[Acoustics, list[SpokenSyllable]]:
    """The phrase spoken by the model, its vowels narrowed to their cores and evened out."""
    key = tuple(ids)
    cached = cache.get(key) if cache is not None else None
    if cached is not None:
        return cached
    acoustics = load_singer_model().run(ids)
    spoken = _vowel_cores(acoustics, _spoken_syllables(acoustics, vowel_flags))
    acoustics = _even_out_vowels(acoustics, spoken)
    if cache is not None:
        cache.put(key, acoustics, spoken)
    return acoustics, spoken


def sing_phrase(
    phrase: Phrase,
    *,
    male: bool,
    rng: np.random.Generator,
    earliest_start: float,
    cache: SpeechCache | None = None,
) -> SungPhrase:
    import hibari.dsp

    vocab = load_singer_model().vocab
    ids: list[int] = []
    vowel_flags: list[list[bool]] = []
    for syllable in phrase.syllables:
        syllable_ids, flags = _syllable_ids(syllable.phonemes, vocab)
        ids += syllable_ids
        vowel_flags.append(flags)
    acoustics, spoken = _speech(ids, vowel_flags, cache)
    time_map: TimeMap = build_time_map(
        spoken,
        [NoteSpan(s.start, s.end) for s in phrase.syllables],
        speech_end=acoustics.frames * FRAME_S,
        earliest_start=earliest_start,
    )
    frames = int(np.ceil((time_map.end - time_map.start) / FRAME_S)) + 1
    sung_times = time_map.start + np.arange(frames, dtype=np.float64) * FRAME_S
    spoken_times = time_map(sung_times)
    lh, theta, ln, lr, phi, speech_f0 = _resample_frames(acoustics, spoken_times / FRAME_S)
    voiced = (speech_f0 > VOICED_F0_HZ) | _in_vowel(spoken_times, spoken)
    # hibari's pulse train reads F0 frame k at the middle of hop k, half a frame after the
    # spectra's frame centre: sample the melody there so pitch changes are not late.
    melody = melody_f0(phrase.notes, sung_times + FRAME_S / 2)
    f0 = np.where(voiced, melody, 0.0).astype(np.float32)
    fold_free_phase_branch(lh, lr, phi, voiced, rng)
    if male:
        lh, theta, ln, lr = (warp_vocal_tract(x, MALE_ALPHA) for x in (lh, theta, ln, lr))
    samples = np.asarray(hibari.dsp.synth(lh, theta, ln, lr, phi, f0, rng), np.float32)
    _fade(samples, hibari.dsp.SR, time_map, phrase.end)
    return SungPhrase(time_map.start, samples, int(hibari.dsp.SR))


def _fade(samples: FloatArray, sample_rate: int, time_map: TimeMap, last_note_end: float) -> None:
    """Short fade in, and a fade over the release after the last note (no clicks)."""
    fade_in = min(len(samples), int(FADE_IN_S * sample_rate))
    samples[:fade_in] *= np.linspace(0.0, 1.0, fade_in, dtype=np.float32)
    release_from = int(max(0.0, last_note_end - time_map.start) * sample_rate)
    tail = len(samples) - release_from
    if tail > 0:
        samples[release_from:] *= np.linspace(1.0, 0.0, tail, dtype=np.float32) ** 2
