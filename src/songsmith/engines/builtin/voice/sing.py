"""`sing`: notes carrying syllables -> a vocal track placed at the notes' absolute times."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from songsmith.engines.builtin.voice.hibari_singer import VOCALISE, SpeechCache, sing_phrase
from songsmith.engines.builtin.voice.phrases import Phrase, group_phrases
from songsmith.engines.score import Note
from songsmith.engines.typing import Audio

TAIL_S = 0.25  # the track runs this long past the last note's end (release and breath)
PHRASE_RMS = 0.1  # -20 dBFS per phrase: the male voice peaks 1.3-1.9x the female before this
PEAK_CEILING = 0.9
MALE_GENDERS = frozenset({"m", "male", "man", "masculine"})


@dataclass(frozen=True)
class PhraseAudio:
    """One sung phrase, ready to add into a track: mono samples from `offset` (in samples)."""

    offset: int  # may be negative only when the first onset falls before 0 (then clipped)
    samples: npt.NDArray[np.float32]
    start_s: float  # the phrase's first note start
    end_s: float  # the phrase's last note end


def warm_up() -> None:
    """Load the voice model and the G2P and sing one note (worker start-up, about 3 s), so the
    first job pays nothing."""
    from songsmith.phonetics import warm_up as warm_up_phonetics

    warm_up_phonetics()
    sing_mono([Note(60, 0.0, 0.3, 0.8, "lˈɑ")], gender="f", sample_rate=24000)


def is_male(gender: str) -> bool:
    return (gender or "").strip().lower() in MALE_GENDERS


def sing(
    notes: list[Note],
    *,
    gender: str,
    sample_rate: int = 44100,
    language: str = "en",
    seed: int = 0,
) -> Audio:
    """Stereo float32 [samples, 2], `last note end + TAIL_S` long, silence outside the phrases.

    Each note's `syllable` is the `phonemes` string phonetics gave that syllable (misaki letters
    for English, espeak-ng IPA otherwise; `language` only picks the vowel of a bare note); a note
    with `syllable=None` holds the previous syllable on a new pitch (melisma). `gender`
    "f"/"female" or "m"/"male". Same input and seed give identical samples.
    """
    mono = sing_mono(notes, gender=gender, sample_rate=sample_rate, language=language, seed=seed)
    return np.ascontiguousarray(np.repeat(mono[:, None], 2, axis=1))


def sing_mono(
    notes: Sequence[Note],
    *,
    gender: str,
    sample_rate: int = 44100,
    language: str = "en",
    seed: int = 0,
    cache: SpeechCache | None = None,
) -> npt.NDArray[np.float32]:
    """`sing` in one channel. `cache` (one per song, shared by its voices) lets repeated lines
    reuse their speech: the same samples, less CPU."""
    end = max((n.end for n in notes if n.end > n.start), default=0.0)
    out = np.zeros(int(np.ceil((end + TAIL_S) * sample_rate)), np.float32)
    for phrase in sing_phrases(
        notes, gender=gender, sample_rate=sample_rate, language=language, seed=seed, cache=cache
    ):
        _add_at(out, phrase.samples, phrase.offset)
    return out


def sing_phrases(
    notes: Sequence[Note],
    *,
    gender: str,
    sample_rate: int = 44100,
    language: str = "en",
    seed: int = 0,
    cache: SpeechCache | None = None,
) -> Iterator[PhraseAudio]:
    """The phrases of `sing`, in time order, each as soon as it is synthesized (for streaming).
    Adding them into a zero track gives exactly `sing_mono`'s output."""
    phrases = group_phrases(notes, VOCALISE if _is_english(language) else "a")
    male = is_male(gender)
    previous_end = 0.0
    for index, phrase in enumerate(phrases):
        rng = np.random.default_rng([seed & 0xFFFFFFFF, index])
        sung = sing_phrase(phrase, male=male, rng=rng, earliest_start=previous_end, cache=cache)
        previous_end = phrase.end
        samples = _normalise(_resample(sung.samples, sung.sample_rate, sample_rate), phrase)
        yield PhraseAudio(round(sung.start_s * sample_rate), samples, phrase.start, phrase.end)


def _is_english(language: str) -> bool:
    code = (language or "en").strip().lower().replace("_", "-")
    return code == "en" or code.startswith("en-") or code == "english"


def _resample(
    samples: npt.NDArray[np.float32], rate_in: int, rate_out: int
) -> npt.NDArray[np.float32]:
    if rate_in == rate_out or len(samples) == 0:
        return samples
    from math import gcd

    from scipy.signal import resample_poly

    common = gcd(rate_in, rate_out)
    return np.asarray(resample_poly(samples, rate_out // common, rate_in // common), np.float32)


def _normalise(samples: npt.NDArray[np.float32], phrase: Phrase) -> npt.NDArray[np.float32]:
    """Even level from phrase to phrase (and voice to voice), scaled by the notes' velocity."""
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if len(samples) else 0.0
    if rms < 1e-6:
        return samples
    velocity = float(np.mean([n.velocity for n in phrase.notes]))
    gain = PHRASE_RMS / rms * (0.5 + 0.5 * min(max(velocity, 0.0), 1.0))
    peak = float(np.max(np.abs(samples))) * gain
    if peak > PEAK_CEILING:
        gain *= PEAK_CEILING / peak
    return np.asarray(samples * gain, np.float32)


def _add_at(out: npt.NDArray[np.float32], samples: npt.NDArray[np.float32], offset: int) -> None:
    """Add `samples` into `out` starting at `offset` (either end may fall outside)."""
    start = max(offset, 0)
    stop = min(offset + len(samples), len(out))
    if stop > start:
        out[start:stop] += samples[start - offset : stop - offset]
