"""What an edit needs from its job, checked once with a clear message."""

from __future__ import annotations

from songsmith.engines.typing import GenerationJob, SourceMaterial


class EditInputError(ValueError):
    """The job lacks what its edit mode needs (the submit side should have refused it)."""


def require_source(job: GenerationJob) -> SourceMaterial:
    if job.source is None:
        raise EditInputError(f"The {job.mode.value} mode needs a source clip; none was given.")
    if len(job.source.audio) == 0 or job.source.sample_rate <= 0:
        raise EditInputError(f"The source clip {job.source.clip_id} has no audio.")
    return job.source


def window_of(job: GenerationJob, end_s: float) -> tuple[float, float]:
    """The job's window clamped to the source; the whole source when absent."""
    start, end = job.window if job.window is not None else (0.0, end_s)
    start, end = max(0.0, float(start)), min(float(end), end_s)
    if end - start < 0.5:
        raise EditInputError(
            f"The window {start:.2f}-{end:.2f} s is shorter than half a second "
            f"inside a {end_s:.2f} s source."
        )
    return start, end
