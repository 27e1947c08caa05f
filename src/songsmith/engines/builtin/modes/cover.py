"""Cover: the same song (melody, lyrics, form, chords) re-arranged in the style of new tags.

A songsmith clip's score gives the melody note for note; it is moved by octaves into the new
voice's range, the tempo and key stay, and the new style's instruments, grooves and voicings play
the source's chords. An upload has no score: its lyrics (when it has any) get a new melody over
its measured tempo, key and chords, which the metadata says.
"""

from __future__ import annotations

from songsmith.engines.builtin.form import TAIL_S, Form, FormSection
from songsmith.engines.builtin.melody import Melody, Phrase, voice_range
from songsmith.engines.builtin.modes.context import MusicalContext, context_of
from songsmith.engines.builtin.modes.errors import require_source
from songsmith.engines.builtin.modes.extend import language_of
from songsmith.engines.builtin.modes.perform import perform, song_of
from songsmith.engines.builtin.modes.segment import (
    LEAD_TRACK,
    bar_span,
    complete,
    harmony_for,
    plan_for,
    window_form,
)
from songsmith.engines.builtin.plan import SongPlan
from songsmith.engines.score import Note, Score
from songsmith.engines.typing import GenerationJob, ProgressCallback, Song


def cover_song(job: GenerationJob, progress: ProgressCallback | None = None) -> Song:
    source = require_source(job)
    step = progress or (lambda _done, _total: None)
    ctx = context_of(source)
    plan = plan_for(
        ctx,
        tags=job.tags or ctx.tags,
        negative_tags=job.negative_tags,
        style_seed=job.seed,
        seed=job.seed,
        vocal_gender=job.vocal_gender,
        keep_instruments=False,
    )
    lyrics = str(source.metadata.get("prompt") or "") or job.lyrics
    language = str(source.metadata.get("language") or "") or language_of(lyrics)
    notes: list[str] = []
    if source.score is not None and any(
        t.name == LEAD_TRACK and t.notes for t in source.score.tracks
    ):
        form, melody = _form_and_melody(source.score, ctx, plan)
        duration = source.score.duration_s
        bar_start = 0.0
    else:
        melody = None
        duration = ctx.end_s + (TAIL_S if source.score is not None else 0.0)
        first_bar, bars = bar_span(ctx, 0.0, duration)
        bar_start = ctx.bar_time(first_bar)
        form, notes = window_form(
            ctx,
            plan,
            first_bar=first_bar,
            bars=bars,
            start_s=0.0,
            end_s=duration,
            lyrics="" if job.instrumental else lyrics,
            language=language,
        )
        if source.score is None:
            notes.append("the upload has no score: its lyrics got a new melody")
    step(1, 5)
    harmony = harmony_for(ctx, plan, form, bar_start, job.seed)
    segment = complete(
        plan,
        form,
        harmony,
        seed=job.seed,
        language=language,
        offset_s=0.0 - bar_start,
        duration_s=duration,
        vocal=melody,
        notes=notes,
    )
    mix, stems = perform(segment, seed=job.seed, language=language, progress=step)
    step(5, 5)
    return song_of(
        segment,
        mix,
        stems,
        preset=job.preset,
        language=language,
        extra={"cover_clip_id": source.clip_id},
    )


def _form_and_melody(score: Score, ctx: MusicalContext, plan: SongPlan) -> tuple[Form, Melody]:
    """The source's sections as a form, and its lead vocal as the melody, moved by octaves into
    the new voice's range."""
    lead = [n for t in score.tracks if t.name == LEAD_TRACK for n in t.notes]
    low, high = voice_range(plan.vocal_gender)
    shift = _octave_shift([n.pitch for n in lead], low, high)
    notes = [Note(n.pitch + shift, n.start, n.end, n.velocity, n.syllable) for n in lead]
    sections: list[FormSection] = []
    phrases: list[Phrase] = []
    seen: dict[str, int] = {}
    bar = 0
    spb = ctx.beat_s
    for index, section in enumerate(score.sections):
        bars = max(1, round((section.end_s - section.start_s) / ctx.bar_s))
        inside = [n for n in notes if section.start_s - 1e-3 <= n.start < section.end_s - 1e-3]
        words = [w.word for w in score.words if section.start_s - 0.3 <= w.start_s < section.end_s]
        form_section = FormSection(section.name, section.label or f"[{section.name.title()}]")
        form_section.bars, form_section.start_bar = bars, bar
        form_section.occurrence = seen.get(section.name, 0)
        seen[section.name] = form_section.occurrence + 1
        if inside:
            form_section.lines = [" ".join(words).replace("\n", " ") or section.name]
            form_section.line_bars = [bars]
            phrases.append(
                Phrase(
                    index,
                    section.name,
                    section.start_s / spb,
                    section.end_s / spb,
                    inside,
                    form_section.lines[0],
                )
            )
        sections.append(form_section)
        bar += bars
    melody = Melody(notes=notes, words=list(score.words), phrases=phrases, low=low, high=high)
    return Form(sections), melody


def _octave_shift(pitches: list[int], low: int, high: int) -> int:
    """Whole octaves that bring the melody's median nearest the middle of [low, high]."""
    if not pitches:
        return 0
    median = sorted(pitches)[len(pitches) // 2]
    centre = (low + high) / 2
    return min((12 * k for k in range(-3, 4)), key=lambda s: abs(median + s - centre))
