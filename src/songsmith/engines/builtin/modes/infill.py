"""Replace a section: new music (and new lyrics) for [start, end] of a song, fitting around it.

The output covers exactly the window. It is composed on the source's bar grid, in its key, tempo,
meter, instrumentation and voice, over its chords where the source has them, so that a concat
with `is_infill` splices it in with the beats lined up on both sides.
"""

from __future__ import annotations

from songsmith.engines.builtin.modes.context import context_of
from songsmith.engines.builtin.modes.errors import require_source, window_of
from songsmith.engines.builtin.modes.extend import language_of
from songsmith.engines.builtin.modes.perform import perform, song_of
from songsmith.engines.builtin.modes.segment import plan_for, window_segment
from songsmith.engines.typing import GenerationJob, ProgressCallback, Song


def infill_song(job: GenerationJob, progress: ProgressCallback | None = None) -> Song:
    source = require_source(job)
    step = progress or (lambda _done, _total: None)
    ctx = context_of(source)
    start, end = window_of(job, ctx.audio_s)
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
    segment = window_segment(
        ctx, plan, start_s=start, end_s=end, lyrics=lyrics, language=language, seed=job.seed,
        step=step,
    )  # fmt: skip
    mix, stems = perform(segment, seed=job.seed, language=language, progress=step)
    step(5, 5)
    return song_of(
        segment,
        mix,
        stems,
        preset=job.preset,
        language=language,
        extra={
            "infill": True,
            "infill_start_s": round(start, 3),
            "infill_end_s": round(end, 3),
            "infill_from_id": source.clip_id,
        },
    )
