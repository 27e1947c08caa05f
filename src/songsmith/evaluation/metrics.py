"""One measurement per row of quality.md, on plain arrays and scores.

Every function measures independently of the engine's own bookkeeping where it can (its own
pitch tracker, beat tracker, key profile, loudness meter and true-peak oversampler), so a bug in
the engine's measuring code cannot hide a bug in its music. Each returns a small result with the
measured figures and an `ok` flag against the bar.
"""

from __future__ import annotations

import itertools
import math
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from songsmith.engines.score import Note, Score, WordTiming

FloatArray = npt.NDArray[np.floating[Any]]

# quality.md bars
PITCH_MEDIAN_CENTS = 15.0
PITCH_WITHIN_CENTS = 50.0
PITCH_WITHIN_SHARE = 0.95
PITCH_MIN_NOTE_S = 0.150
PITCH_FMIN_HZ, PITCH_FMAX_HZ = 60.0, 1000.0
TEMPO_TOLERANCE = 0.03
LUFS_TARGET = -14.0
LUFS_TOLERANCE = 1.0
TRUE_PEAK_CEILING_DBTP = -1.0
BALANCE_RANGE_DB = (-2.0, 6.0)
SILENCE_DBFS = -60.0
STEMS_RESIDUAL_DB = -30.0
VARIETY_MIN_EDIT = 0.30
# In an unsung section the last line still dies away at its start and the next line's onset
# consonant is sung ahead of the next section: those edges are not "instrumental".
UNSUNG_SKIP_START_S = 0.6
UNSUNG_SKIP_END_S = 0.3

VOCAL_GROUPS = ("vocals", "backing_vocals")
KEY_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_PITCH_CLASS = {
    "C": 0, "B#": 0, "C#": 1, "Db": 1, "D": 2, "D#": 3, "Eb": 3, "E": 4, "Fb": 4, "E#": 5,
    "F": 5, "F#": 6, "Gb": 6, "G": 7, "G#": 8, "Ab": 8, "A": 9, "A#": 10, "Bb": 10, "B": 11,
    "Cb": 11,
}  # fmt: skip
# Krumhansl-Kessler key profiles (probe-tone ratings, C major / C minor).
_MAJOR_PROFILE = (6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88)
_MINOR_PROFILE = (6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17)


def db_rms(audio: FloatArray) -> float:
    """RMS level in dB relative to full scale (a full-scale sine is -3 dB); -200 for silence."""
    if audio.size == 0:
        return -200.0
    power = float(np.mean(np.square(audio, dtype=np.float64)))
    return 10 * math.log10(power) if power > 1e-20 else -200.0


def to_mono(audio: FloatArray) -> npt.NDArray[np.float32]:
    mono = audio.mean(axis=1) if audio.ndim == 2 else audio
    return np.ascontiguousarray(mono, dtype=np.float32)


# --- vocal pitch -------------------------------------------------------------------------------


@dataclass
class PitchResult:
    notes_measured: int
    median_abs_cents: float
    within_share: float  # share of measured notes within PITCH_WITHIN_CENTS
    worst_cents: float
    errors: list[float] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            self.notes_measured > 0
            and self.median_abs_cents <= PITCH_MEDIAN_CENTS
            and self.within_share >= PITCH_WITHIN_SHARE
        )


def vocal_pitch(vocal: FloatArray, sample_rate: int, notes: Sequence[Note]) -> PitchResult:
    """pyin on the lead-vocal stem: median F0 over the middle 50% of each note >= 150 ms.

    Each note is tracked on its own over the whole singing range (60-1000 Hz): a search window
    narrowed around the written pitch makes pyin lock onto its lower edge (measured).
    """
    import librosa

    rate = 16000
    mono = librosa.resample(to_mono(vocal), orig_sr=sample_rate, target_sr=rate)
    frame, hop = 1024, 320  # 20 ms hops: >= 4 frames in the middle of a 150 ms note
    errors: list[float] = []
    for note in notes:
        length = note.end - note.start
        if length < PITCH_MIN_NOTE_S:
            continue
        a = int((note.start + 0.25 * length) * rate)
        b = int((note.end - 0.25 * length) * rate)
        # frames centred inside [a, b]: pad half a frame each side, no librosa centring
        lo, hi = a - frame // 2, b + frame // 2
        if lo < 0 or hi > len(mono):
            continue
        segment = mono[lo:hi]
        target = 440.0 * 2 ** ((note.pitch - 69) / 12)
        f0, voiced, _ = librosa.pyin(
            segment,
            fmin=PITCH_FMIN_HZ,
            fmax=PITCH_FMAX_HZ,
            sr=rate,
            frame_length=frame,
            hop_length=hop,
            center=False,
        )
        found = f0[np.asarray(voiced, bool) & np.isfinite(f0)]
        if len(found) == 0:
            errors.append(1200.0)  # unvoiced where a note should sound: a miss
            continue
        errors.append(float(1200 * math.log2(float(np.median(found)) / target)))
    if not errors:
        return PitchResult(0, math.nan, math.nan, math.nan)
    absolute = np.abs(errors)
    return PitchResult(
        notes_measured=len(errors),
        median_abs_cents=float(np.median(absolute)),
        within_share=float(np.mean(absolute <= PITCH_WITHIN_CENTS)),
        worst_cents=float(absolute.max()),
        errors=errors,
    )


# --- every syllable sung, word timings -------------------------------------------------------


@dataclass
class SyllableResult:
    expected: int
    sung: int
    first_mismatch: int | None  # index of the first differing syllable, None if all match

    @property
    def ok(self) -> bool:
        return self.expected == self.sung and self.first_mismatch is None


def syllables_sung(
    lead_notes: Sequence[Note], lines: Iterable[str], language: str = "en"
) -> SyllableResult:
    """The lead's sung syllables (melisma continuations skipped) vs the singer's G2P."""
    from songsmith.phonetics import syllabify_line

    expected = [
        s.phonemes for line in lines for w in syllabify_line(line, language) for s in w.syllables
    ]
    sung = [n.syllable for n in lead_notes if n.syllable]
    mismatch = next(
        (i for i, (x, y) in enumerate(zip(expected, sung, strict=False)) if x != y), None
    )
    if mismatch is None and len(expected) != len(sung):
        mismatch = min(len(expected), len(sung))
    return SyllableResult(len(expected), len(sung), mismatch)


@dataclass
class WordTimingResult:
    expected: int
    timed: int
    missing: list[str]
    ordered: bool  # start_s < end_s for each, starts monotonic
    inside: bool  # 0 <= start, end <= clip duration

    @property
    def ok(self) -> bool:
        return not self.missing and self.expected == self.timed and self.ordered and self.inside


def bare_word(timed: str) -> str:
    """A timed word without the "[Section]\\n" prefix the first word of a section carries."""
    return timed.rsplit("\n", 1)[-1].strip()


def word_timings(
    words: Sequence[WordTiming], lines: Iterable[str], duration_s: float, language: str = "en"
) -> WordTimingResult:
    from songsmith.phonetics import syllabify_line

    expected = [w.text for line in lines for w in syllabify_line(line, language) if w.syllables]
    timed = [bare_word(w.word) for w in words]
    missing: list[str] = []
    pos = 0
    for word in expected:  # in order: each expected word must appear after the previous one
        try:
            pos = timed.index(word, pos) + 1
        except ValueError:
            missing.append(word)
    ordered = all(w.start_s < w.end_s for w in words) and all(
        a.start_s <= b.start_s for a, b in itertools.pairwise(words)
    )
    inside = all(0.0 <= w.start_s and w.end_s <= duration_s + 1e-6 for w in words)
    return WordTimingResult(len(expected), len(timed), missing, ordered, inside)


# --- tempo ---------------------------------------------------------------------------------------


@dataclass
class TempoResult:
    score_bpm: float
    measured_bpm: float
    error: float  # relative error after the best of half / same / double

    @property
    def ok(self) -> bool:
        return self.error <= TEMPO_TOLERANCE


def tempo(mix: FloatArray, sample_rate: int, score_bpm: float) -> TempoResult:
    import librosa

    rate = 22050
    y = librosa.resample(to_mono(mix), orig_sr=sample_rate, target_sr=rate)
    found = float(np.atleast_1d(librosa.beat.beat_track(y=y, sr=rate)[0])[0])
    error = min(abs(found * factor / score_bpm - 1) for factor in (0.5, 1.0, 2.0))
    return TempoResult(score_bpm, found, error)


# --- key -------------------------------------------------------------------------------------


@dataclass
class KeyResult:
    score_key: str
    measured_key: str
    exact: bool

    @property
    def ok(self) -> bool:
        return self.exact or is_relative(self.score_key, self.measured_key)


def parse_key(key: str) -> tuple[int, str]:
    tonic, mode = key.split()
    return _PITCH_CLASS[tonic], mode.lower()


def is_relative(a: str, b: str) -> bool:
    (ta, ma), (tb, mb) = parse_key(a), parse_key(b)
    if ma == mb:
        return False
    major, minor = (ta, tb) if ma == "major" else (tb, ta)
    return (major + 9) % 12 == minor


def estimate_key(chroma_totals: FloatArray) -> str:
    """Krumhansl-Schmuckler: the key whose rotated profile correlates best with the chroma."""
    best = (-2.0, "")
    for profile, mode in ((_MAJOR_PROFILE, "major"), (_MINOR_PROFILE, "minor")):
        for tonic in range(12):
            r = float(np.corrcoef(np.roll(np.asarray(profile), tonic), chroma_totals)[0, 1])
            if r > best[0]:
                best = (r, f"{KEY_NAMES[tonic]} {mode}")
    return best[1]


def key(mix: FloatArray, sample_rate: int, score_key: str) -> KeyResult:
    import librosa

    rate = 22050
    y = librosa.resample(to_mono(mix), orig_sr=sample_rate, target_sr=rate)
    chroma = librosa.feature.chroma_stft(y=y, sr=rate, n_fft=8192, hop_length=2048)
    found = estimate_key(chroma.sum(axis=1))
    return KeyResult(score_key, found, parse_key(found) == parse_key(score_key))


# --- loudness of the decoded mp3 ---------------------------------------------------------------


@dataclass
class LoudnessResult:
    lufs: float
    true_peak_dbtp: float
    sample_peak: float  # largest absolute decoded sample (1.0 = full scale)

    @property
    def ok(self) -> bool:
        return (
            abs(self.lufs - LUFS_TARGET) <= LUFS_TOLERANCE
            and self.true_peak_dbtp <= TRUE_PEAK_CEILING_DBTP
            and self.sample_peak < 32767 / 32768
        )


def true_peak_dbtp(audio: FloatArray) -> float:
    """4x oversampled peak (polyphase FIR interpolation), dBTP."""
    from scipy.signal import resample_poly

    up = resample_poly(np.asarray(audio, np.float64), 4, 1, axis=0)
    peak = float(np.abs(up).max()) if up.size else 0.0
    return 20 * math.log10(peak) if peak > 0 else -200.0


def loudness_of_mp3(mp3: bytes) -> LoudnessResult:
    """Integrated loudness (pyloudnorm, BS.1770) and true peak of the mp3 as decoded."""
    import pyloudnorm

    from songsmith.media.codecs import decode_audio

    decoded, rate = decode_audio(mp3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyloudnorm warns on near-full-scale input
        lufs = float(pyloudnorm.Meter(rate).integrated_loudness(np.asarray(decoded, np.float64)))
    peak = float(np.abs(decoded).max()) if decoded.size else 0.0
    return LoudnessResult(lufs, true_peak_dbtp(decoded), peak)


# --- vocal balance ---------------------------------------------------------------------------


@dataclass
class BalanceResult:
    sung_db: list[float]  # lead vocal minus backing, per sung section
    unsung_dbfs: list[float]  # vocal stems' RMS level inside each unsung section

    @property
    def balance_ok(self) -> bool:
        lo, hi = BALANCE_RANGE_DB
        return all(lo <= x <= hi for x in self.sung_db)

    @property
    def silence_ok(self) -> bool:
        return all(x < SILENCE_DBFS for x in self.unsung_dbfs)

    @property
    def ok(self) -> bool:
        return self.balance_ok and self.silence_ok


def vocal_balance(
    stems: Mapping[str, FloatArray],
    sample_rate: int,
    sections: Sequence[tuple[float, float, bool]],
) -> BalanceResult:
    """`sections`: (start_s, end_s, sung). Backing = every stem that is not a vocal stem."""
    backing_parts = [a for g, a in stems.items() if g not in VOCAL_GROUPS]
    if not backing_parts or "vocals" not in stems:
        return BalanceResult([], [])
    backing = np.sum(backing_parts, axis=0)
    vocals = stems["vocals"]
    all_vocals = sum((stems[g] for g in VOCAL_GROUPS if g in stems), np.zeros_like(vocals))
    sung, unsung = [], []
    for start, end, is_sung in sections:
        if is_sung:
            a, b = int(start * sample_rate), int(end * sample_rate)
            sung.append(db_rms(vocals[a:b]) - db_rms(backing[a:b]))
            continue
        a = int((start + UNSUNG_SKIP_START_S) * sample_rate)
        b = int((end - UNSUNG_SKIP_END_S) * sample_rate)
        if b - a >= sample_rate // 2:
            unsung.append(db_rms(all_vocals[a:b]))
    return BalanceResult(sung, unsung)


def sung_spans(score: Score) -> list[tuple[float, float, bool]]:
    """Score sections as (start, end, sung), sung meaning a lead-vocal note starts inside."""
    lead = [n for t in score.tracks if t.name == "lead_vocal" for n in t.notes]
    return [
        (s.start_s, s.end_s, any(s.start_s <= n.start < s.end_s for n in lead))
        for s in score.sections
    ]


# --- stems are exact -------------------------------------------------------------------------


def stems_residual_db(mix: FloatArray, stems: Mapping[str, FloatArray]) -> float:
    """Level of (mix - sum of stems) relative to the mix, dB (<= -30 passes)."""
    if not stems:
        return -200.0 if db_rms(mix) <= -200 else 0.0
    residual = np.asarray(mix, np.float64) - np.sum(
        [np.asarray(s, np.float64) for s in stems.values()], axis=0
    )
    return db_rms(residual) - db_rms(mix)


# --- variety ---------------------------------------------------------------------------------


def edit_ratio(a: Sequence[int], b: Sequence[int]) -> float:
    """Levenshtein distance of two pitch sequences over the longer length (0 same, 1 unrelated)."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1] / max(1, len(a), len(b))


def melody_pitches(score: Score) -> list[int]:
    return [n.pitch for t in score.tracks if t.name == "lead_vocal" for n in t.notes]


@dataclass
class FamilyProfile:
    family: str
    bpm_range: tuple[float, float]  # observed over several seeds
    programs: frozenset[int]  # pitched GM programs observed (union over seeds)


def families_distinct(profiles: Sequence[FamilyProfile]) -> list[tuple[str, str]]:
    """Pairs of families that share both their observed tempo range and their programs."""
    clashes = []
    for i, p in enumerate(profiles):
        for q in profiles[i + 1 :]:
            if p.bpm_range == q.bpm_range or p.programs == q.programs:
                clashes.append((p.family, q.family))
    return clashes


# --- tags followed ---------------------------------------------------------------------------


@dataclass
class TagsResult:
    missing: list[str]  # named instruments absent from the score
    present_banned: list[str]  # negative-tag instruments found in the score

    @property
    def ok(self) -> bool:
        return not self.missing and not self.present_banned


def tags_followed(
    score: Score,
    named: Mapping[str, Sequence[int]],
    banned: Mapping[str, Sequence[int]],
    *,
    drums_banned: bool = False,
) -> TagsResult:
    """`named`/`banned`: instrument word -> acceptable GM programs (a pitched track with notes)."""
    programs = {t.program for t in score.tracks if t.notes and not t.is_drum}
    missing = [w for w, accepted in named.items() if not programs & set(accepted)]
    present = [w for w, rejected in banned.items() if programs & set(rejected)]
    if drums_banned and any(t.is_drum and t.group == "drums" and t.notes for t in score.tracks):
        present.append("drums")
    return TagsResult(missing, present)


# --- structure -------------------------------------------------------------------------------


# The section markers builtin-engine.md promises to follow (any case, with or without a number).
_MARKER_LABEL = re.compile(
    r"^\s*\[\s*(intro|verse|pre-?chorus|chorus|bridge|hook|drop|break|instrumental|outro)"
    r"(\s*\d+)?\s*\]\s*$",
    re.IGNORECASE,
)
_ANY_BRACKET = re.compile(r"^\s*\[[^\]]*\]\s*$")


@dataclass
class StructureResult:
    markers: list[str]  # the lyric's section markers, in order
    sections_in_order: bool
    repeated_lines: int  # lyric lines sung more than once
    reused_melody: int  # of those, how many keep one pitch sequence every time

    @property
    def ok(self) -> bool:
        return self.sections_in_order and self.reused_melody == self.repeated_lines


def lyric_markers(lyrics: str) -> list[str]:
    return [m.group(0).strip() for m in map(_MARKER_LABEL.match, lyrics.splitlines()) if m]


def lyric_lines(lyrics: str) -> list[str]:
    """The lines to be sung: non-empty lines that are not a bracketed marker or direction."""
    return [
        line.strip()
        for line in lyrics.splitlines()
        if line.strip() and not _ANY_BRACKET.match(line)
    ]


def all_lines_sung(lyrics: str, sung_lines: Sequence[str], *, capped: bool = False) -> bool:
    """Every lyric line is in the form, in order (a prefix when the length cap cut the song)."""
    wanted = lyric_lines(lyrics)
    got = [line.strip() for line in sung_lines]
    return got == wanted or (capped and bool(got) and got == wanted[: len(got)])


def _norm_label(label: str) -> str:
    return re.sub(r"\s+", " ", label.strip().lower())


def structure(
    score: Score,
    lyrics: str,
    sung_lines: Sequence[str],
    language: str = "en",
    *,
    capped: bool = False,
) -> StructureResult:
    """The lyric's markers are the score's section labels, in order (engine-added intro, outro or
    interludes may sit between them; when the length cap cut the song, the ones kept, still in
    order: the cap drops middle sections and keeps the outro), and every repeated lyric line
    keeps one pitch sequence."""
    from songsmith.phonetics import syllabify_line

    markers = [_norm_label(m) for m in lyric_markers(lyrics)]
    wanted = set(markers)
    found = [label for s in score.sections if (label := _norm_label(s.label)) in wanted]
    in_order = found == markers or (capped and bool(found) and _subsequence(found, markers))

    lead = sorted(
        (n for t in score.tracks if t.name == "lead_vocal" for n in t.notes), key=lambda n: n.start
    )
    words = score.words
    melodies: dict[str, list[tuple[int, ...]]] = {}
    last_line = len(sung_lines) - 1
    w = 0
    for index, line in enumerate(sung_lines):
        count = sum(1 for x in syllabify_line(line, language) if x.syllables)
        if count == 0 or w + count > len(words):
            w += count
            continue
        start, end = words[w].start_s, words[w + count - 1].end_s
        pitches = tuple(n.pitch for n in lead if start - 1e-6 <= n.start < end - 1e-6)
        if index == last_line:
            pitches = (*pitches, _FINAL)
        melodies.setdefault(re.sub(r"\W+", " ", line.lower()).strip(), []).append(pitches)
        w += count
    repeated = [v for v in melodies.values() if len(v) > 1]
    reused = sum(1 for v in repeated if _same_melody(v))
    return StructureResult(markers, in_order, len(repeated), reused)


def _subsequence(short: list[str], long: list[str]) -> bool:
    rest = iter(long)
    return all(item in rest for item in short)  # `in` consumes the iterator: order is kept


_FINAL = -1  # marks the song's last sung line, whose last note may turn into the final cadence


def _same_melody(takes: list[tuple[int, ...]]) -> bool:
    """All takes of a line share one pitch sequence. The song's last line may end on another
    note: the melody rules also want the last phrase to resolve to the tonic."""
    plain = {t for t in takes if not t or t[-1] != _FINAL}
    final = [t[:-1] for t in takes if t and t[-1] == _FINAL]
    if len(plain) > 1:
        return False
    if not final or not plain:
        return True
    (reference,) = plain
    (last,) = final
    return len(last) == len(reference) and last[:-1] == reference[:-1]


# --- determinism -----------------------------------------------------------------------------


def identical(a: Iterable[bytes], b: Iterable[bytes]) -> bool:
    left, right = list(a), list(b)
    return len(left) == len(right) and all(x == y for x, y in zip(left, right, strict=True))
