"""Melody: one or more notes per sung syllable, and the word timings they imply.

Syllables come from `songsmith.phonetics` (the singer's own G2P), so the number of sung notes is
the number of syllables the voice sings. Rhythm puts stressed syllables on beats; pitch puts chord
tones on strong beats with steps between, an arch over each phrase, the chorus higher and built on a
motif, the same melody for a repeated line, and the last phrase resolving to the tonic.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from songsmith.engines.builtin.form import Form, FormSection, melody_grid
from songsmith.engines.builtin.harmony import Harmony
from songsmith.engines.builtin.plan import SongPlan
from songsmith.engines.score import Note, WordTiming

VOICE_RANGES = {"f": (57, 76), "m": (45, 64)}  # A3-E5, A2-E4
MAX_LEAP = 9  # semitones between consecutive sung notes of a line (a major sixth)
CHORUS_KINDS = frozenset(("chorus", "hook", "drop"))
_MOTIFS = (  # scale steps relative to the phrase's centre; the chorus hook per seed
    (0, 1, 2, 2),
    (2, 1, 0, 1),
    (0, 2, 4, 2),
    (4, 2, 1, 0),
    (0, 0, 2, 1),
    (1, 2, 3, 1),
    (3, 2, 0, 1),
    (0, 4, 3, 2),
)


class SyllableLike(Protocol):
    @property
    def phonemes(self) -> str: ...

    @property
    def stressed(self) -> bool: ...


class WordLike(Protocol):
    @property
    def text(self) -> str: ...

    @property
    def syllables(self) -> Sequence[SyllableLike]: ...


Syllabify = Callable[[str], Sequence[WordLike]]


@dataclass
class Phrase:
    section_index: int
    kind: str
    start_beat: float
    end_beat: float
    notes: list[Note]
    line: str = ""  # "" for an instrumental phrase


@dataclass
class Melody:
    notes: list[Note] = field(default_factory=list)  # the lead vocal (or lead instrument)
    words: list[WordTiming] = field(default_factory=list)
    phrases: list[Phrase] = field(default_factory=list)
    low: int = 57
    high: int = 76


@dataclass
class _Shape:
    """Rhythm and pitch of one line, kept so a repeated line is sung the same way."""

    onsets: list[float]  # beats from the phrase start
    durations: list[float]
    pitches: list[int]
    melisma: list[bool]  # True: this note continues the previous syllable


@dataclass
class _Context:
    plan: SongPlan
    harmony: Harmony
    rng: np.random.Generator
    scale_pitches: list[int]
    centre: int  # index into scale_pitches of the verse centre
    chorus_lift: int  # scale steps the chorus sits above the verse
    motif: tuple[int, ...]
    melisma_rate: float
    cache: dict[tuple[str, float], _Shape] = field(default_factory=dict)


def voice_range(gender: str) -> tuple[int, int]:
    return VOICE_RANGES.get(gender, VOICE_RANGES["f"])


def compose_melody(
    plan: SongPlan,
    form: Form,
    harmony: Harmony,
    rng: np.random.Generator,
    syllabify: Syllabify,
    *,
    low: int | None = None,
    high: int | None = None,
) -> Melody:
    """The sung melody of every lyric line, with word timings (section labels on first words)."""
    ctx = _context(plan, harmony, rng, low, high)
    melody = Melody(low=ctx.scale_pitches[0], high=ctx.scale_pitches[-1])
    sung = [(i, s) for i, s in enumerate(form.sections) if s.sung]
    last_line = (sung[-1][0], len(sung[-1][1].lines) - 1) if sung else (-1, -1)
    bpb = plan.beats_per_bar
    for index, section in sung:
        beat = section.start_bar * bpb
        lines = zip(section.lines, section.line_bars, strict=True)
        for line_index, (line, bars) in enumerate(lines):
            words = [w for w in syllabify(line) if len(w.syllables) > 0]
            length = bars * bpb
            if words:
                final = (index, line_index) == last_line
                shape = _line_shape(ctx, line, words, section, line_index, beat, length, final)
                phrase = _emit(
                    ctx,
                    shape,
                    words,
                    section,
                    index,
                    beat,
                    length,
                    line,
                    melody,
                    first_line=line_index == 0,
                )
                melody.phrases.append(phrase)
            beat += length
    return melody


def instrumental_melody(
    plan: SongPlan,
    form: Form,
    harmony: Harmony,
    rng: np.random.Generator,
    *,
    low: int,
    high: int,
    kinds: frozenset[str] | None = None,
) -> Melody:
    """A lead line for sections nobody sings (intro, solos, instrumental songs)."""
    ctx = _context(plan, harmony, rng, low, high)
    melody = Melody(low=low, high=high)
    bpb = plan.beats_per_bar
    phrase_bars = 2 if bpb >= 3 else 4
    cache: dict[tuple[str, int], _Shape] = {}
    for index, section in enumerate(form.sections):
        if section.sung or (kinds is not None and section.kind not in kinds):
            continue
        bars = section.bars
        for k in range(0, bars - bars % phrase_bars, phrase_bars):
            beat = (section.start_bar + k) * bpb
            length = phrase_bars * bpb
            key = (section.kind, (k // phrase_bars) % 2)
            final = index == len(form.sections) - 1 and k + phrase_bars >= bars - 1
            if key in cache and not final:
                shape = cache[key]
            else:
                count = int(rng.integers(3, max(4, int(length * melody_grid(plan) * 0.6))))
                stresses = [j % 2 == 0 for j in range(count)]
                shape = _build_shape(ctx, stresses, section, k // phrase_bars, beat, length, final)
                cache[key] = shape
            notes = _place_notes(ctx, shape, beat, [None] * len(shape.pitches), 0.62)
            melody.notes.extend(notes)
            melody.phrases.append(Phrase(index, section.kind, beat, beat + length, notes))
    return melody


def _context(
    plan: SongPlan, harmony: Harmony, rng: np.random.Generator, low: int | None, high: int | None
) -> _Context:
    lo, hi = voice_range(plan.vocal_gender)
    lo, hi = low if low is not None else lo, high if high is not None else hi
    scale = set(harmony.scale)
    pitches = [p for p in range(lo, hi + 1) if p % 12 in scale]
    # the verse sits in the lower middle of the range; the chorus lifts by a third to a fifth
    centre = round(len(pitches) * float(rng.uniform(0.3, 0.42)))
    lift = int(rng.integers(2, 5))
    motif = _MOTIFS[int(rng.integers(0, len(_MOTIFS)))]
    rate = 0.3 if plan.family.name in ("rnb", "ballad", "jazz", "blues") else 0.12
    return _Context(plan, harmony, rng, pitches, centre, lift, motif, rate)


def _norm(line: str) -> str:
    return re.sub(r"[^\w\s']", "", line.lower()).strip()


def _line_shape(
    ctx: _Context,
    line: str,
    words: Sequence[WordLike],
    section: FormSection,
    line_index: int,
    beat: float,
    length: float,
    final: bool,
) -> _Shape:
    stresses = [s.stressed for w in words for s in w.syllables]
    key = (_norm(line), length)
    cached = ctx.cache.get(key)
    if cached is not None and sum(not m for m in cached.melisma) == len(stresses):
        if not final:
            return cached  # a repeated lyric line reuses its melody
        return _resolve_to_tonic(ctx, cached)
    shape = _build_shape(ctx, stresses, section, line_index, beat, length, final)
    if not final:
        ctx.cache.setdefault(key, shape)
    return shape


def _build_shape(
    ctx: _Context,
    stresses: list[bool],
    section: FormSection,
    line_index: int,
    beat: float,
    length: float,
    final: bool,
) -> _Shape:
    onsets, durations, slot = _rhythm(ctx, stresses, length)
    pitches = _pitches(ctx, stresses, onsets, durations, section, line_index, beat, final, slot)
    melisma = [False] * len(pitches)
    return _add_melismas(ctx, _Shape(onsets, durations, pitches, melisma), slot)


def _resolve_to_tonic(ctx: _Context, shape: _Shape) -> _Shape:
    """The cached melody of a repeated line, its last note moved to the nearest tonic."""
    pitches = list(shape.pitches)
    last = pitches[-1]
    tonics = [p for p in ctx.scale_pitches if p % 12 == ctx.plan.tonic]
    if tonics:
        pitches[-1] = min(tonics, key=lambda p: abs(p - last))
    return _Shape(shape.onsets, shape.durations, pitches, shape.melisma)


def _rhythm(
    ctx: _Context, stresses: list[bool], length: float
) -> tuple[list[float], list[float], float]:
    """Onsets and durations (beats from the phrase start) of one note per syllable."""
    n = len(stresses)
    grid = melody_grid(ctx.plan)
    stressed_after_first = sum(stresses[1:])
    while True:
        slots = round(length * grid) - max(1, grid)  # leave a breath at the end
        crowded = slots - n < stressed_after_first * (grid - 1) // 2
        fast = 60.0 / ctx.plan.bpm / (grid * 2) < 0.12  # a finer grid would be a patter
        if grid >= 8 or (n <= slots and (not crowded or fast)):
            break
        grid *= 2
    slots = max(slots, n)
    beat_slots = grid if grid > 1 else 2  # what counts as a strong position
    extra = slots - n
    # slots that putting every stressed syllable on a beat would take (at most one each)
    need = sum(1 for i, stressed in enumerate(stresses) if stressed and i > 0)
    need = min(need * (beat_slots - 1), extra)
    hold = min(max(0, extra - need) // 2, 2 * grid)  # the last syllable of a line is held
    budget = extra - hold
    pickup = (
        n >= 3
        and not stresses[0]
        and stresses[1]
        and budget >= beat_slots
        and ctx.rng.random() < 0.5
    )
    pos = beat_slots - 1 if pickup else 0  # the unstressed first syllable leads into the beat
    if pickup:
        budget -= beat_slots - 1
    spread = max(0, budget - need) / max(1, n - 1)
    durations = [1] * n
    onsets = [0] * n
    credit = 0.0
    stressed_left = sum(stresses[1:])
    for i in range(n):
        if i > 0:
            stressed_left -= stresses[i]
            credit += spread * float(ctx.rng.uniform(0.4, 1.6))
            reserve = stressed_left * (beat_slots - 1) // 2  # keep room for later stresses
            add = 1 if credit >= 1.0 and budget - 1 >= reserve else 0
            if stresses[i] and (pos + add) % beat_slots != 0:
                to_beat = beat_slots - (pos + add) % beat_slots
                if add + to_beat <= budget:
                    add += to_beat
                elif to_beat <= budget:
                    add = to_beat
            add = min(add, budget)
            durations[i - 1] += add
            pos += add
            budget -= add
            credit -= add
        onsets[i] = pos
        pos += 1
    durations[-1] += max(0, min(budget + hold, slots - pos))
    step = 1.0 / grid
    return [o * step for o in onsets], [d * step for d in durations], step


def _bump(t: float, peak: float) -> float:
    if t <= peak:
        return math.sin(0.5 * math.pi * t / max(peak, 1e-6))
    return math.cos(0.5 * math.pi * (t - peak) / max(1.0 - peak, 1e-6))


def _pitches(
    ctx: _Context,
    stresses: list[bool],
    onsets: list[float],
    durations: list[float],
    section: FormSection,
    line_index: int,
    beat: float,
    final: bool,
    slot: float,
) -> list[int]:
    rng = ctx.rng
    scale = ctx.scale_pitches
    chorus = section.kind in CHORUS_KINDS
    centre = ctx.centre + (ctx.chorus_lift if chorus else 0)
    centre += 1 if section.kind in ("pre-chorus", "bridge") else 0
    centre += 0 if line_index % 2 == 0 or chorus else int(rng.integers(-1, 2))
    arch = float(rng.uniform(1.5, 3.5)) * (1.2 if chorus else 1.0)
    peak = float(rng.uniform(0.3, 0.7))
    start = float(rng.uniform(-2.0, 0.5))
    n = len(stresses)
    top = len(scale) - 1
    result: list[int] = []
    prev_index: int | None = None
    repeats = 0
    for j in range(n):
        t = j / max(1, n - 1)
        target = centre + start * (1 - t) + arch * _bump(t, peak) - 0.5
        target = min(max(target, 1.0), top - 1.0)
        at = beat + onsets[j]
        chord = ctx.harmony.at(at).chord
        strong = stresses[j] or abs(onsets[j] - round(onsets[j])) < 1e-6 or durations[j] >= 1.0
        last = j == n - 1
        if chorus and 0 < j < min(len(ctx.motif), n - 1) and prev_index is not None:
            # the hook: every chorus line opens with the same intervals (in scale steps)
            index = min(max(prev_index + ctx.motif[j] - ctx.motif[j - 1], 0), top)
        elif last and final:
            index = _nearest_index(scale, target, lambda p: p % 12 == ctx.plan.tonic)
        elif final and j == n - 2:
            # step into the final tonic from the second or the leading tone
            tonic_index = _nearest_index(scale, target, lambda p: p % 12 == ctx.plan.tonic)
            index = min(max(tonic_index + (1 if rng.random() < 0.6 else -1), 0), top)
        elif strong or last:
            pcs = chord.pitch_classes
            tones = [i for i, p in enumerate(scale) if p % 12 in pcs]
            index = min(tones, key=lambda i: abs(i - target)) if tones else round(target)
            if repeats >= 2 and prev_index is not None and len(tones) > 1:
                # a third repetition: take the chord tone on the side the arch is heading
                others = [i for i in tones if i != prev_index]
                index = min(others, key=lambda i: abs(i - target))
        elif prev_index is None:
            index = _nearest_index(scale, target, lambda p: True)
        else:
            # weak positions move by step towards the arch (a neighbour note when already there)
            direction = target - prev_index
            if abs(direction) >= 0.75:
                index = prev_index + (1 if direction > 0 else -1)
            else:
                move = repeats >= 1 or rng.random() < 0.5
                index = prev_index + (1 if rng.random() < 0.5 else -1) * int(move)
        if prev_index is not None and not strong and abs(index - prev_index) > 2:
            index = prev_index + (2 if index > prev_index else -2)  # steps between strong beats
        index = min(max(index, 0), top)
        capped = prev_index is not None and not (last and final)  # the tonic resolution stays
        while (
            capped and prev_index is not None and abs(scale[index] - scale[prev_index]) > MAX_LEAP
        ):
            index += -1 if index > prev_index else 1  # singable: no leap beyond a sixth
        repeats = repeats + 1 if index == prev_index else 0
        prev_index = index
        result.append(scale[index])
    return result


def _nearest_index(scale: list[int], target: float, ok: Callable[[int], bool]) -> int:
    best = None
    for i, pitch in enumerate(scale):
        if ok(pitch) and (best is None or abs(i - target) < abs(best - target)):
            best = i
    if best is None:
        return round(min(max(target, 0), len(scale) - 1))
    return best


def _add_melismas(ctx: _Context, shape: _Shape, slot: float) -> _Shape:
    """Split some long notes into two pitches on one syllable (a melisma)."""
    onsets, durations, pitches, melisma = [], [], [], []
    scale = ctx.scale_pitches
    for i, (o, d, p) in enumerate(zip(shape.onsets, shape.durations, shape.pitches, strict=True)):
        last = i == len(shape.pitches) - 1
        if not last and d >= 2 * slot and d >= 0.5 and ctx.rng.random() < ctx.melisma_rate:
            first = round(d / 2 / slot) * slot
            index = scale.index(p) if p in scale else 0
            step = 1 if ctx.rng.random() < 0.5 else -1
            neighbour = scale[min(max(index + step, 0), len(scale) - 1)]
            onsets += [o, o + first]
            durations += [first, d - first]
            pitches += [p, neighbour]
            melisma += [False, True]
        else:
            onsets.append(o)
            durations.append(d)
            pitches.append(p)
            melisma.append(False)
    return _Shape(onsets, durations, pitches, melisma)


def _place_notes(
    ctx: _Context, shape: _Shape, beat: float, syllables: list[str | None], velocity: float
) -> list[Note]:
    plan = ctx.plan
    notes = []
    for o, d, p, s in zip(shape.onsets, shape.durations, shape.pitches, syllables, strict=True):
        start = plan.time_of(beat + o)
        end = plan.time_of(beat + o + d)
        notes.append(Note(pitch=int(p), start=start, end=end, velocity=velocity, syllable=s))
    return notes


def _emit(
    ctx: _Context,
    shape: _Shape,
    words: Sequence[WordLike],
    section: FormSection,
    section_index: int,
    beat: float,
    length: float,
    line: str,
    melody: Melody,
    *,
    first_line: bool,
) -> Phrase:
    syllables: list[str | None] = []
    owners: list[int] = []  # word index of each note
    flat = [(wi, s) for wi, w in enumerate(words) for s in w.syllables]
    k = -1
    for is_melisma in shape.melisma:
        if not is_melisma:
            k += 1
            syllables.append(flat[k][1].phonemes)
        else:
            syllables.append(None)
        owners.append(flat[k][0])
    velocity = 0.8 if section.kind in CHORUS_KINDS else 0.72
    notes = _place_notes(ctx, shape, beat, syllables, velocity)
    for wi, word in enumerate(words):
        mine = [n for n, owner in zip(notes, owners, strict=True) if owner == wi]
        text = word.text
        if first_line and wi == 0:
            text = f"{section.label}\n{text}"
        melody.words.append(WordTiming(text, mine[0].start, mine[-1].end))
    melody.notes.extend(notes)
    return Phrase(section_index, section.kind, beat, beat + length, notes, line)
