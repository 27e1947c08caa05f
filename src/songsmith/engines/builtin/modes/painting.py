"""Add instrumental (underpainting) and add vocals (overpainting) over part of a source.

Underpainting keeps the source's voice (its vocal stems, or the whole audio of an upload) and
composes a new accompaniment to it on its grid, in its key and over its chords. Overpainting
keeps the source's instruments (its non-vocal stems, or the whole audio of an upload) and sings
the request's lyrics over them, following the same chords; the source's own vocals are dropped.
Both cover exactly the window, and their stems sum to the mix.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from songsmith.engines.builtin.melody import Melody
from songsmith.engines.builtin.modes.balance import vocal_gain, window_audio
from songsmith.engines.builtin.modes.context import VOCAL_GROUPS, MusicalContext, context_of
from songsmith.engines.builtin.modes.errors import require_source, window_of
from songsmith.engines.builtin.modes.extend import language_of
from songsmith.engines.builtin.modes.perform import SAMPLE_RATE, perform, song_of
from songsmith.engines.builtin.modes.segment import (
    LEAD_TRACK,
    Segment,
    bar_span,
    complete,
    harmony_for,
    plan_for,
    window_form,
    window_segment,
)
from songsmith.engines.score import Note, WordTiming
from songsmith.engines.typing import Audio, GenerationJob, ProgressCallback, Song, SourceMaterial


def underpainting_song(job: GenerationJob, progress: ProgressCallback | None = None) -> Song:
    source = require_source(job)
    step = progress or (lambda _done, _total: None)
    ctx = context_of(source)
    start, end = window_of(job, ctx.audio_s)
    vocal_stems, vocal_from = _parts(source, vocal=True, start=start, end=end)
    plan = plan_for(
        ctx,
        tags=job.tags or ctx.tags,
        negative_tags=job.negative_tags,
        style_seed=job.seed,
        seed=job.seed,
        vocal_gender=ctx.vocal_gender or job.vocal_gender,
        keep_instruments=False,
    )
    first_bar, bars = bar_span(ctx, start, end)
    bar_start = ctx.bar_time(first_bar)
    form, notes = window_form(
        ctx,
        plan,
        first_bar=first_bar,
        bars=bars,
        start_s=start,
        end_s=end,
        lyrics="",
        language="en",
    )
    step(1, 5)
    harmony = harmony_for(ctx, plan, form, bar_start, job.seed)
    segment = complete(
        plan,
        form,
        harmony,
        seed=job.seed,
        language="en",
        offset_s=start - bar_start,
        duration_s=end - start,
        vocal=_vocal_guide(source, ctx, bar_start),
        sing=False,
        notes=notes,
    )
    if source.score is not None:  # the kept voice sings the source's words, re-timed
        segment.score.words = [
            WordTiming(w.word, w.start_s - start, min(w.end_s, end) - start)
            for w in source.score.words
            if start <= w.start_s < end
        ]
    backing, performed = perform(segment, seed=job.seed, language="en", progress=step)
    gain = vocal_gain(_sum(vocal_stems, len(backing)), backing, SAMPLE_RATE)
    stems = dict(performed)
    stems.update({group: audio * np.float32(gain) for group, audio in vocal_stems.items()})
    step(5, 5)
    sung = bool(vocal_stems) and float(np.max(np.abs(_sum(vocal_stems, len(backing))))) > 1e-3
    return song_of(
        segment,
        _sum(stems, len(backing)),
        stems,
        preset=job.preset,
        language=str(source.metadata.get("language") or "en"),
        has_vocal=sung,
        extra={
            "underpainting_from_id": source.clip_id,
            "window": [round(start, 3), round(end, 3)],
            "vocal_from": vocal_from,
            "vocal_gain_db": round(20 * float(np.log10(max(gain, 1e-9))), 2),
            "vocal_gender": ctx.vocal_gender if sung else None,
        },
    )


def overpainting_song(job: GenerationJob, progress: ProgressCallback | None = None) -> Song:
    source = require_source(job)
    step = progress or (lambda _done, _total: None)
    ctx = context_of(source)
    start, end = window_of(job, ctx.audio_s)
    backing_stems, backing_from = _parts(source, vocal=False, start=start, end=end)
    plan = plan_for(
        ctx,
        tags=ctx.tags or job.tags,
        negative_tags=ctx.negative_tags or job.negative_tags,
        style_seed=ctx.seed if ctx.seed is not None else job.seed,
        seed=job.seed,
        vocal_gender=job.vocal_gender or ctx.vocal_gender,
        keep_instruments=True,
    )
    lyrics = job.lyrics or ""
    language = language_of(lyrics)
    segment = window_segment(
        ctx, plan, start_s=start, end_s=end, lyrics=lyrics, language=language, seed=job.seed,
        step=step, accompany=False,
    )  # fmt: skip
    voice, vocal_stems = perform(segment, seed=job.seed, language=language, progress=step)
    length = len(voice)
    backing = _sum(backing_stems, length)
    gain = vocal_gain(voice, backing, SAMPLE_RATE)
    stems = {group: _fit(audio, length) for group, audio in backing_stems.items()}
    stems.update({group: audio * np.float32(gain) for group, audio in vocal_stems.items()})
    step(5, 5)
    return song_of(
        segment,
        _sum(stems, length),
        stems,
        preset=job.preset,
        language=language,
        extra={
            "overpainting_from_id": source.clip_id,
            "window": [round(start, 3), round(end, 3)],
            "instrumental_from": backing_from,
            "vocal_gain_db": round(20 * float(np.log10(max(gain, 1e-9))), 2),
        },
    )


def _parts(
    source: SourceMaterial, *, vocal: bool, start: float, end: float
) -> tuple[dict[str, Audio], str]:
    """The source's vocal (or instrumental) stems over the window; for a source without stems,
    its whole audio stands in for the part, as suno-wire.md says."""
    chosen = {g: a for g, a in source.stems.items() if (g in VOCAL_GROUPS) == vocal and len(a)}
    if not chosen:
        chosen, origin = {"vocals" if vocal else "instrumental": source.audio}, "mix"
    else:
        origin = "stems"
    rate = source.sample_rate
    return {g: window_audio(a, rate, start, end, SAMPLE_RATE) for g, a in chosen.items()}, origin


def _vocal_guide(source: SourceMaterial, ctx: MusicalContext, bar_start: float) -> Melody | None:
    """The source's sung notes in composed time, so the arrangement leaves room where it sings."""
    if source.score is None:
        return None
    notes = [
        Note(n.pitch, n.start - bar_start, n.end - bar_start, n.velocity, n.syllable)
        for t in source.score.tracks
        if t.name == LEAD_TRACK
        for n in t.notes
        if n.end > bar_start
    ]
    return Melody(notes=notes) if notes else None


def _fit(audio: Audio, length: int) -> Audio:
    if len(audio) >= length:
        return np.ascontiguousarray(audio[:length], dtype=np.float32)
    return np.concatenate([audio, np.zeros((length - len(audio), 2), np.float32)])


def _sum(stems: Mapping[str, Audio], length: int) -> Audio:
    total = np.zeros((length, 2), np.float32)
    for audio in stems.values():
        n = min(length, len(audio))
        total[:n] += audio[:n]
    return total


__all__ = ["Segment", "overpainting_song", "underpainting_song"]
