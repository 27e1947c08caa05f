"""Extend: continue a song from a point in it, in its key, tempo, instrumentation and voice.

The output holds only the continuation. Its 0 s is the join, snapped to the source's bar line
(or beat); when the join falls inside a bar the continuation starts inside that bar too, so the
meter runs on unbroken across the join.
"""

from __future__ import annotations

from songsmith.engines.builtin.form import Form, FormSection, bar_seconds, build_form
from songsmith.engines.builtin.harmony import harmonize
from songsmith.engines.builtin.modes.context import context_of, snap_to_grid
from songsmith.engines.builtin.modes.errors import require_source
from songsmith.engines.builtin.modes.perform import perform, song_of
from songsmith.engines.builtin.modes.segment import complete, plan_for
from songsmith.engines.builtin.plan import SongPlan, stage_rng
from songsmith.engines.typing import GenerationJob, ProgressCallback, Song

LEAD_IN_BARS = 1  # one bar of accompaniment before the new lyrics start


def extend_song(job: GenerationJob, progress: ProgressCallback | None = None) -> Song:
    source = require_source(job)
    step = progress or (lambda _done, _total: None)
    ctx = context_of(source)
    requested = ctx.end_s if job.continue_at is None else float(job.continue_at)
    requested = min(max(0.0, requested), ctx.audio_s)
    join, into_bar, unit = snap_to_grid(ctx, requested)
    plan = plan_for(
        ctx,
        tags=ctx.tags or job.tags,
        negative_tags=ctx.negative_tags or job.negative_tags,
        style_seed=ctx.seed if ctx.seed is not None else job.seed,
        seed=job.seed,
        vocal_gender=ctx.vocal_gender or job.vocal_gender,
        keep_instruments=True,
    )
    lyrics = "" if job.instrumental else (job.lyrics or "")
    language = language_of(lyrics)
    # the song is already under way: a bar of lead-in replaces the whole intro, and the
    # duration cap may spend the intro's bars on lyrics
    cap = job.max_duration_s + max(0, plan.family.intro_bars - LEAD_IN_BARS) * bar_seconds(plan)
    form = _lead_in_form(lyrics, plan, cap, language, job.seed)
    if form.duration_s(plan) > job.max_duration_s + 1e-6:
        form = _lead_in_form(lyrics, plan, job.max_duration_s, language, job.seed)
    bar = 0
    for section in form.sections:
        section.start_bar = bar
        bar += section.bars
    step(1, 5)
    harmony = harmonize(plan, form, stage_rng(job.seed, "harmony"))
    offset = into_bar * ctx.beat_s
    segment = complete(
        plan,
        form,
        harmony,
        seed=job.seed,
        language=language,
        offset_s=offset,
        duration_s=form.duration_s(plan) - offset,
        notes=list(form.notes),
    )
    mix, stems = perform(segment, seed=job.seed, language=language, progress=step)
    step(5, 5)
    history = [h for h in source.metadata.get("history") or [] if isinstance(h, dict)]
    history.append(
        {
            "id": source.clip_id,
            "continue_at": join,
            "type": "upload" if source.metadata.get("type") == "upload" else "gen",
            "source": "api",
            "infill": False,
        }
    )
    return song_of(
        segment,
        mix,
        stems,
        preset=job.preset,
        language=language,
        extra={
            "continue_at": join,
            "continue_at_requested": round(requested, 3),
            "continue_snapped_to": unit,
            "history": history,
        },
    )


def _lead_in_form(lyrics: str, plan: SongPlan, cap_s: float, language: str, seed: int) -> Form:
    from songsmith.phonetics import count_syllables

    form = build_form(
        lyrics,
        plan,
        max_duration_s=cap_s,
        instrumental=not lyrics.strip(),
        rng=stage_rng(seed, "form"),
        count_syllables=lambda line: count_syllables(line, language),
    )
    if form.sections and form.sections[0].kind == "intro" and not form.sections[0].sung:
        form.sections[0].bars = LEAD_IN_BARS
    else:
        form.sections.insert(0, FormSection("intro", "[Intro]", bars=LEAD_IN_BARS))
    return form


def language_of(lyrics: str) -> str:
    from songsmith.phonetics import detect_language

    if not lyrics.strip():
        return "en"
    try:
        return detect_language(lyrics) or "en"
    except Exception:  # detection is a hint; English is the singer's own language
        return "en"
