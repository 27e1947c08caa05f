"""Composing new music on a source's grid: plan, form, harmony, melody, arrangement -> `Score`.

The composer's stages are reused as they are; what changes is their input. The plan is forced to
the source's tempo, key, meter and instrumentation; the form covers whole bars of the source's
grid; harmony follows the source's chords where it has them. The composed score starts on a bar
line and is then shifted and cut so that 0 s is the edit's start, on the source's beat.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from songsmith.engines.builtin.arrange import arrange
from songsmith.engines.builtin.form import (
    Form,
    FormSection,
    has_markers,
    melody_grid,
    parse_sections,
)
from songsmith.engines.builtin.genres import Part, group_of_program
from songsmith.engines.builtin.harmony import Harmony, harmonize, scale_of
from songsmith.engines.builtin.melody import Melody, compose_melody
from songsmith.engines.builtin.modes.chords import harmony_from_chords
from songsmith.engines.builtin.modes.context import MusicalContext
from songsmith.engines.builtin.plan import SongPlan, plan_song, stage_rng
from songsmith.engines.score import Note, Score, Section, Track, WordTiming

LEAD_TRACK = "lead_vocal"
CHORDAL_GROUPS = frozenset({"keyboard", "guitar"})
SUSTAINED = frozenset([*range(16, 21), *range(48, 56), *range(88, 96)])
MIN_RESTRUCK_S = 0.15  # a note sounding at a cut is struck again only if this much of it is left


@dataclass
class Segment:
    plan: SongPlan
    form: Form
    harmony: Harmony
    melody: Melody | None
    score: Score  # in the edit's own seconds: 0 is the edit's start
    offset_s: float  # composed time of the edit's start (composed 0 s is a bar line)
    notes: list[str] = field(default_factory=list)

    @property
    def has_vocal(self) -> bool:
        return any(t.name == LEAD_TRACK and t.notes for t in self.score.tracks)


def plan_for(
    ctx: MusicalContext,
    *,
    tags: str,
    negative_tags: str,
    style_seed: int,
    seed: int,
    vocal_gender: str | None,
    keep_instruments: bool,
) -> SongPlan:
    """A plan in the style of `tags`, at the source's tempo, key and meter.

    `keep_instruments`: play the source's own pitched instruments (extend, infill) rather than
    the style's (cover, add instrumental).
    """
    plan = plan_song(tags, negative_tags, seed=style_seed, vocal_gender=vocal_gender)
    plan = replace(
        plan,
        seed=seed,
        bpm=round(ctx.bpm, 3),
        tonic=ctx.tonic,
        mode=ctx.mode,
        time_signature=ctx.time_signature,
        notes=list(plan.notes),
    )
    if keep_instruments and ctx.programs:
        plan.parts = _parts_of(plan.parts, ctx.programs)
    return plan


def _parts_of(style_parts: list[Part], programs: tuple[int, ...]) -> list[Part]:
    """The source's programs, each in the role the style gives it, or one guessed from its group."""
    kept = [p for p in style_parts if p.program in programs]
    roles = {p.role for p in kept}
    for program in programs:
        if any(p.program == program for p in kept):
            continue
        group = group_of_program(program)
        if group == "bass":
            role = "bass" if "bass" not in roles else "feature"
        elif program in SUSTAINED:
            role = "pad" if "pad" not in roles else "keys2"
        elif group in CHORDAL_GROUPS:
            role = "chords" if "chords" not in roles else "chords2"
        else:
            role = "lead" if "lead" not in roles else "feature"
        roles.add(role)
        kept.append(Part(role, f"{group}_{program}", program))
    return kept


def lyric_lines(lyrics: str) -> list[tuple[str, str, list[str]]]:
    """(kind, label, lines) of the lyrics, markers honoured; unmarked lyrics are one verse."""
    if has_markers(lyrics):
        return [s for s in parse_sections(lyrics) if s[2]]
    lines = [ln.strip() for ln in (lyrics or "").splitlines() if ln.strip()]
    lines = [ln for ln in lines if not (ln.startswith("[") and ln.endswith("]"))]
    return [("verse", "[Verse]", lines)] if lines else []


def bars_for_line(syllables: int, plan: SongPlan) -> int:
    """Two bars for a line that fits three quarters of their melody slots, else four."""
    slots = plan.beats_per_bar * melody_grid(plan)
    return 2 if syllables <= 2 * slots * 0.75 else 4


def window_form(
    ctx: MusicalContext,
    plan: SongPlan,
    *,
    first_bar: int,
    bars: int,
    start_s: float,
    end_s: float,
    lyrics: str,
    language: str,
) -> tuple[Form, list[str]]:
    """Sections over bars [first_bar, first_bar + bars) of the source's grid, kinds from the
    source's sections; lyric lines fill the bars that lie wholly inside [start_s, end_s]."""
    from songsmith.phonetics import count_syllables

    runs: list[tuple[str, bool, int]] = []  # (kind, usable, bars)
    for k in range(first_bar, first_bar + bars):
        t = ctx.bar_time(k)
        usable = t >= start_s - 1e-3 and t + ctx.bar_s <= end_s + 1e-3
        kind = ctx.section_kind_at(t + 1e-3)
        if runs and runs[-1][0] == kind and runs[-1][1] == usable:
            runs[-1] = (kind, usable, runs[-1][2] + 1)
        else:
            runs.append((kind, usable, 1))
    sections = [FormSection(kind, f"[{kind.title()}]", bars=n) for kind, _, n in runs]
    pending: list[tuple[str, int]] = []
    for _, _, lines in lyric_lines(lyrics):
        for line in lines:
            syllables = count_syllables(line, language)
            if syllables:
                pending.append((line, bars_for_line(syllables, plan)))
    dropped = 0
    for section, (_, usable, _) in zip(sections, runs, strict=True):
        if not usable:
            continue
        while pending:
            line, need = pending[0]
            room = section.bars - sum(section.line_bars)
            if room <= 0:
                break
            if need > room and section.line_bars:
                break  # the line waits for the next section rather than straddling
            section.lines.append(line)
            section.line_bars.append(min(need, room))
            pending.pop(0)
    dropped = len(pending)
    seen: dict[str, int] = {}
    bar = 0
    for section in sections:
        section.start_bar = bar
        bar += section.bars
        section.occurrence = seen.get(section.kind, 0)
        seen[section.kind] = section.occurrence + 1
    notes = [f"{dropped} lyric line(s) did not fit the window and were left out"] if dropped else []
    return Form(sections), notes


def bar_span(ctx: MusicalContext, start_s: float, end_s: float) -> tuple[int, int]:
    """(first bar, bar count) of the source's grid that cover [start_s, end_s]."""
    first = math.floor(ctx.bar_index(start_s) + 1e-6)
    last = math.ceil(ctx.bar_index(end_s) - 1e-6)
    return first, max(1, last - first)


def harmony_for(
    ctx: MusicalContext, plan: SongPlan, form: Form, bar_start_s: float, seed: int
) -> Harmony:
    """The source's chords over the form when it has them there; the composer's otherwise."""
    beats = form.total_bars * plan.beats_per_bar
    section_of_beat: list[int] = []
    for index, section in enumerate(form.sections):
        section_of_beat.extend([index] * math.ceil(section.bars * plan.beats_per_bar))
    if ctx.chords:
        follows = harmony_from_chords(ctx, bar_start_s, beats, section_of_beat, scale_of(plan))
        if follows is not None:
            return follows
    return harmonize(plan, form, stage_rng(seed, "harmony"))


def complete(
    plan: SongPlan,
    form: Form,
    harmony: Harmony,
    *,
    seed: int,
    language: str,
    offset_s: float,
    duration_s: float,
    vocal: Melody | None = None,
    accompany: bool = True,
    sing: bool = True,
    notes: list[str] | None = None,
) -> Segment:
    """Melody (unless `vocal` is given), arrangement, and the score cut to [offset_s, +duration_s].

    `accompany=False` leaves the instruments out (add vocals); `sing=False` leaves the new voice
    out (add instrumental: `vocal` then only guides the arrangement).
    """
    from songsmith.phonetics import syllabify_line

    melody = vocal
    if melody is None and any(s.sung for s in form.sections):
        melody = compose_melody(
            plan,
            form,
            harmony,
            stage_rng(seed, "melody"),
            lambda line: syllabify_line(line, language),
        )
        melody = melody if melody.notes else None
    tracks: list[Track] = []
    if accompany:
        tracks = arrange(plan, form, harmony, melody, stage_rng(seed, "arrange"))
        if not sing:
            tracks = [t for t in tracks if t.group not in ("vocals", "backing_vocals")]
    elif sing and melody is not None:
        from songsmith.engines.builtin.arrange import backing_vocals

        backing = backing_vocals(melody, harmony, stage_rng(seed, "arrange"))
        tracks = [backing] if backing.notes else []
    if sing and melody is not None:
        tracks.insert(0, Track(name=LEAD_TRACK, group="vocals", program=52, notes=melody.notes))
    composed = Score(
        bpm=plan.bpm,
        key=plan.key,
        time_signature=plan.time_signature,
        sections=[
            Section(
                name=s.kind,
                start_s=plan.time_of(s.start_bar * plan.beats_per_bar),
                end_s=plan.time_of((s.start_bar + s.bars) * plan.beats_per_bar),
                label=s.label,
            )
            for s in form.sections
        ],
        tracks=tracks,
        words=list(melody.words) if (melody is not None and sing) else [],
        chords=[
            (plan.time_of(e.start_beat), plan.time_of(e.end_beat), e.chord.symbol)
            for e in harmony.events
        ],
        duration_s=offset_s + duration_s,
    )
    score = cut_score(composed, offset_s, duration_s)
    return Segment(plan, form, harmony, melody, score, offset_s, list(notes or []))


def cut_score(score: Score, offset_s: float, duration_s: float) -> Score:
    """The part of `score` from `offset_s` on, `duration_s` long, re-timed to start at 0.

    A pitched note that is sounding at the cut is struck again at 0 s for what is left of it, so
    the edit does not open on silence; drum hits and sung syllables that started before the cut
    are left out (a late drum hit is off the beat; half a syllable is not a word). Notes that run
    past the end are shortened.
    """
    eps = 1e-6

    def keep(note: Note, restrike: bool) -> Note | None:
        start = note.start - offset_s
        end = min(note.end - offset_s, duration_s)
        if start >= duration_s - 0.02:
            return None
        if start < -eps and not (restrike and end >= MIN_RESTRUCK_S):
            return None
        return replace(note, start=max(0.0, start), end=end)

    tracks = []
    for track in score.tracks:
        restrike = not track.is_drum and track.group not in ("vocals", "backing_vocals")
        notes = [n for n in (keep(n, restrike) for n in track.notes) if n is not None]
        while track.name == LEAD_TRACK and notes and notes[0].syllable is None:
            notes.pop(0)  # a melisma whose syllable was cut off cannot open a phrase
        tracks.append(replace(track, notes=notes))
    sections = [
        replace(
            s, start_s=max(0.0, s.start_s - offset_s), end_s=min(duration_s, s.end_s - offset_s)
        )
        for s in score.sections
        if s.end_s - offset_s > eps and s.start_s - offset_s < duration_s - eps
    ]
    words = [
        WordTiming(w.word, w.start_s - offset_s, min(duration_s, w.end_s - offset_s))
        for w in score.words
        if w.start_s - offset_s >= -eps and w.start_s - offset_s < duration_s
    ]
    chords = [
        (max(0.0, a - offset_s), min(duration_s, b - offset_s), c)
        for a, b, c in score.chords
        if b - offset_s > eps and a - offset_s < duration_s - eps
    ]
    return replace(
        score, tracks=tracks, sections=sections, words=words, chords=chords, duration_s=duration_s
    )


def window_segment(
    ctx: MusicalContext,
    plan: SongPlan,
    *,
    start_s: float,
    end_s: float,
    lyrics: str,
    language: str,
    seed: int,
    step: Callable[[int, int], None],
    accompany: bool = True,
) -> Segment:
    """New music for [start_s, end_s] of a source, on its bar grid and chords (infill, add
    vocals): form from the lyrics, harmony, melody, arrangement, cut to the window."""
    first_bar, bars = bar_span(ctx, start_s, end_s)
    bar_start = ctx.bar_time(first_bar)
    form, notes = window_form(
        ctx,
        plan,
        first_bar=first_bar,
        bars=bars,
        start_s=start_s,
        end_s=end_s,
        lyrics=lyrics,
        language=language,
    )
    step(1, 5)
    harmony = harmony_for(ctx, plan, form, bar_start, seed)
    return complete(
        plan,
        form,
        harmony,
        seed=seed,
        language=language,
        offset_s=start_s - bar_start,
        duration_s=end_s - start_s,
        accompany=accompany,
        notes=notes,
    )
