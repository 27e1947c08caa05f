"""The piecewise-linear time map from sung time to the speech the model (or espeak-ng) produced.

Each syllable of the speech is cut into onset consonants, vowel nucleus and coda. On the melody the
onset comes just before the beat (capped near 90 ms), the vowel fills the note, and the coda plus
the next syllable's onset sit at its tail. Long vowels stretch only their steady middle, so the
consonant-vowel transitions keep their natural speed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

MAX_ONSET_S = 0.09
MAX_CODA_S = 0.12
ONSET_SHARE = 0.4  # an onset takes at most this share of the previous note
CODA_SHARE = 0.3  # a coda (plus the next onset) takes at most this share of its note
TRANSITION_S = 0.03  # vowel edges kept at speech speed when a vowel stretches
RELEASE_S = 0.08  # the sound after the last note (breath, decay) before the fade


@dataclass(frozen=True)
class SpokenSyllable:
    """Where one syllable lies in the speech (seconds): onset start, vowel start/end, end."""

    onset: float
    nucleus: float
    coda: float
    end: float


@dataclass(frozen=True)
class NoteSpan:
    start: float  # first note's start (the beat the vowel lands on)
    end: float  # last note's end


@dataclass(frozen=True)
class TimeMap:
    """Knots of the map: sung time (s) -> speech time (s), both non-decreasing."""

    sung: npt.NDArray[np.float64]
    spoken: npt.NDArray[np.float64]

    @property
    def start(self) -> float:
        return float(self.sung[0])

    @property
    def end(self) -> float:
        return float(self.sung[-1])

    def __call__(self, sung_times: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return np.interp(sung_times, self.sung, self.spoken)


def build_time_map(
    spoken: Sequence[SpokenSyllable],
    sung: Sequence[NoteSpan],
    speech_end: float,
    earliest_start: float = 0.0,
) -> TimeMap:
    if len(spoken) != len(sung) or not spoken:
        raise ValueError("one spoken syllable per sung syllable, at least one")
    count = len(sung)
    onset_s = []
    for i, (sp, note) in enumerate(zip(spoken, sung, strict=True)):
        room = (note.start - sung[i - 1].start) * ONSET_SHARE if i else note.start - earliest_start
        onset_s.append(max(0.0, min(sp.nucleus - sp.onset, MAX_ONSET_S, room)))
    knots: list[tuple[float, float]] = []
    for i, (sp, note) in enumerate(zip(spoken, sung, strict=True)):
        tail_end = sung[i + 1].start - onset_s[i + 1] if i + 1 < count else note.end
        tail_end = max(tail_end, note.start + 1e-3)
        coda_s = max(0.0, min(sp.end - sp.coda, MAX_CODA_S, (tail_end - note.start) * CODA_SHARE))
        vowel_start, vowel_end = note.start, tail_end - coda_s
        knots.append((note.start - onset_s[i], sp.onset))
        knots.append((vowel_start, sp.nucleus))
        spoken_vowel = sp.coda - sp.nucleus
        sung_vowel = vowel_end - vowel_start
        edge = min(TRANSITION_S, spoken_vowel / 3)
        if sung_vowel > spoken_vowel + 2 * edge and edge > 0:
            knots.append((vowel_start + edge, sp.nucleus + edge))
            knots.append((vowel_end - edge, sp.coda - edge))
        knots.append((vowel_end, sp.coda))
        knots.append((tail_end, sp.end))
    last = spoken[-1]
    release = max(0.0, min(RELEASE_S, speech_end - last.end))
    knots.append((sung[-1].end + RELEASE_S, last.end + release))
    return _monotonic(knots)


def _monotonic(knots: list[tuple[float, float]]) -> TimeMap:
    sung_out: list[float] = []
    spoken_out: list[float] = []
    for t, s in knots:
        if sung_out and t <= sung_out[-1]:
            # A zero-length target segment: the later knot wins (jump over that speech).
            sung_out[-1] = max(sung_out[-1], t)
            spoken_out[-1] = max(spoken_out[-1], s)
            continue
        sung_out.append(t)
        spoken_out.append(max(s, spoken_out[-1]) if spoken_out else s)
    if len(sung_out) == 1:
        sung_out.append(sung_out[0] + 1e-3)
        spoken_out.append(spoken_out[0])
    return TimeMap(np.asarray(sung_out), np.asarray(spoken_out))
