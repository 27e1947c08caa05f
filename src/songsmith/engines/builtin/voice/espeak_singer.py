"""Non-English phrases: espeak-ng speech of the syllables, re-pitched onto the notes by WORLD.

Robotic next to the English voice but on pitch and in the lyric's own language: a lyric is never
refused. espeak-ng reports when each phoneme starts; its k-th vowel is the k-th syllable's nucleus.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from songsmith.engines.builtin.voice.hibari_singer import SungPhrase
from songsmith.engines.builtin.voice.phrases import Phrase
from songsmith.engines.builtin.voice.pitch import melody_f0
from songsmith.engines.builtin.voice.timewarp import NoteSpan, SpokenSyllable, build_time_map
from songsmith.phonetics.espeak import SpokenPhoneme, is_vowel_mnemonic, speak_phonemes

WORLD_FRAME_MS = 5.0
FEMALE_VARIANT = "f3"
SPEAKING_RATE_WPM = 120
FADE_S = 0.01


def _pyworld() -> Any:
    import warnings

    with warnings.catch_warnings():
        # pyworld 0.3.5 imports pkg_resources, which warns on every import under setuptools 80.
        warnings.simplefilter("ignore", UserWarning)
        import pyworld

    return pyworld


def _spoken_syllables(
    phonemes: Sequence[SpokenPhoneme], syllables: Sequence[str], duration: float
) -> list[SpokenSyllable]:
    """Syllable boundaries from espeak-ng's phoneme events (pauses dropped)."""
    events = [p for p in phonemes if not p.name.startswith("_")]
    speech_end = next((p.start_s for p in phonemes if p.name.startswith("_") and p.start_s > 0),
                      duration)
    vowels = [k for k, p in enumerate(events) if is_vowel_mnemonic(p.name)]
    if len(vowels) != len(syllables) or not events:
        return _even_split(len(syllables), duration)
    starts = [p.start_s for p in events] + [speech_end]
    out: list[SpokenSyllable] = []
    for i, k in enumerate(vowels):
        previous_vowel = vowels[i - 1] if i else -1
        consonants = k - previous_vowel - 1
        starts_with_vowel = is_vowel_mnemonic(syllables[i][:1] or "a") or syllables[i][:1] in "'"
        onset_count = consonants if i == 0 else min(consonants, 0 if starts_with_vowel else 1)
        out.append(SpokenSyllable(starts[k - onset_count], starts[k], starts[k + 1], 0.0))
    # A syllable ends where the next one's onset starts; the last at the end of the speech.
    return [
        SpokenSyllable(s.onset, s.nucleus, s.coda, out[i + 1].onset if i + 1 < len(out) else
                       max(speech_end, s.coda))
        for i, s in enumerate(out)
    ]


def _even_split(count: int, duration: float) -> list[SpokenSyllable]:
    """Fallback when espeak-ng's vowels do not line up with the syllables: equal shares."""
    step = duration / max(count, 1)
    return [
        SpokenSyllable(i * step, i * step + 0.2 * step, i * step + 0.8 * step, (i + 1) * step)
        for i in range(count)
    ]


def sing_espeak_phrase(
    phrase: Phrase,
    *,
    language: str,
    male: bool,
    rng: np.random.Generator,
    earliest_start: float,
) -> SungPhrase:
    pyworld = _pyworld()
    syllables = [s.phonemes for s in phrase.syllables]
    speech = speak_phonemes(
        "".join(syllables),
        language,
        rate_wpm=SPEAKING_RATE_WPM,
        variant="" if male else FEMALE_VARIANT,
    )
    rate = speech.sample_rate
    x = np.asarray(speech.samples, np.float64)
    duration = len(x) / rate
    spoken = _spoken_syllables(speech.phonemes, syllables, duration)
    time_map = build_time_map(
        spoken,
        [NoteSpan(s.start, s.end) for s in phrase.syllables],
        speech_end=duration,
        earliest_start=earliest_start,
    )
    f0, frame_times = pyworld.dio(x, rate, frame_period=WORLD_FRAME_MS)
    f0 = pyworld.stonemask(x, f0, frame_times, rate)
    envelope = pyworld.cheaptrick(x, f0, frame_times, rate)
    aperiodicity = pyworld.d4c(x, f0, frame_times, rate)
    frame_s = WORLD_FRAME_MS / 1000.0
    frames = int(np.ceil((time_map.end - time_map.start) / frame_s)) + 1
    sung_times = time_map.start + np.arange(frames) * frame_s
    spoken_times = time_map(sung_times)
    position = np.clip(spoken_times / frame_s, 0.0, len(f0) - 1.0)
    low = np.minimum(np.floor(position).astype(np.intp), max(len(f0) - 2, 0))
    high = np.minimum(low + 1, len(f0) - 1)
    frac = (position - low)[:, None]
    sp = envelope[low] + (envelope[high] - envelope[low]) * frac
    ap = aperiodicity[low] + (aperiodicity[high] - aperiodicity[low]) * frac
    in_vowel = np.zeros(frames, bool)
    for s in spoken:
        in_vowel |= (spoken_times >= s.nucleus) & (spoken_times < s.coda)
    voiced = (f0[np.rint(position).astype(np.intp)] > 0) | in_vowel
    sung_f0 = np.where(voiced, melody_f0(phrase.notes, sung_times), 0.0)
    ap[voiced] = np.minimum(ap[voiced], 0.5)  # vowels held long stay voiced, not whispered
    samples = pyworld.synthesize(
        np.ascontiguousarray(sung_f0), np.ascontiguousarray(sp), np.ascontiguousarray(ap),
        rate, WORLD_FRAME_MS,
    ).astype(np.float32)
    _fade(samples, rate, time_map.start, phrase.end)
    return SungPhrase(time_map.start, samples, rate)


def _fade(samples: npt.NDArray[np.float32], rate: int, start: float, last_note_end: float) -> None:
    fade_in = min(len(samples), int(FADE_S * rate))
    samples[:fade_in] *= np.linspace(0.0, 1.0, fade_in, dtype=np.float32)
    release_from = int(max(0.0, last_note_end - start) * rate)
    tail = len(samples) - release_from
    if tail > 0:
        samples[release_from:] *= np.linspace(1.0, 0.0, tail, dtype=np.float32) ** 2
