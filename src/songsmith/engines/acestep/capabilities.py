"""What an ACE-Step checkpoint can serve, as the API consults it at submit (torch-free)."""

from __future__ import annotations

from dataclasses import dataclass

from songsmith.domain.errors import NotSupported
from songsmith.domain.statuses import Mode
from songsmith.engines.acestep.checkpoint import COVER, EXTRACT, REPAINT, TEXT2MUSIC, CheckpointInfo
from songsmith.engines.typing import EngineCapabilities, GenerationJob

# ACE-Step 1.5 generates up to 10 minutes; songsmith's longest mv asks for 480 s.
MAX_DURATION_S = 600.0

# The ACE-Step task each songsmith mode needs (the engine's whole mode -> task mapping).
TASK_BY_MODE: dict[Mode, str] = {
    Mode.INSPIRATION: TEXT2MUSIC,
    Mode.CUSTOM: TEXT2MUSIC,
    Mode.INSTRUMENTAL: TEXT2MUSIC,
    Mode.ARTIST_CONSISTENCY: TEXT2MUSIC,  # + the persona root clip as timbre reference
    Mode.EXTEND: REPAINT,  # the source's tail as context, the repaint window past its end
    Mode.UPLOAD_EXTEND: REPAINT,
    Mode.INFILL: REPAINT,
    Mode.UNDERPAINTING: REPAINT,
    Mode.OVERPAINTING: REPAINT,
    Mode.COVER: COVER,
    Mode.GEN_STEM: EXTRACT,
}

# Explicit ACE-Step tasks a job may ask for through `job.extra["acestep_task"]`.
EXPLICIT_TASK_KEY = "acestep_task"


@dataclass(frozen=True)
class AceStepCapabilities(EngineCapabilities):
    tasks: frozenset[str] = frozenset()  # ACE-Step task types the loaded checkpoint supports
    preset: str = "default"
    model_version: str | None = None

    def required_task(self, job: GenerationJob) -> str:
        explicit = job.extra.get(EXPLICIT_TASK_KEY)
        if isinstance(explicit, str) and explicit:
            return explicit
        task = TASK_BY_MODE.get(job.mode)
        if task is None:
            raise NotSupported(f"The acestep engine does not generate {job.mode.value!r} jobs.")
        return task

    def check(self, job: GenerationJob) -> str:
        """The ACE-Step task for `job`; NotSupported (a 400 at submit) naming what is missing."""
        task = self.required_task(job)
        if task not in self.tasks:
            checkpoint = self.model_version or "unknown"
            raise NotSupported(
                f"Mode {job.mode.value!r} needs ACE-Step's {task!r} task, which the loaded "
                f"checkpoint ({checkpoint!r}, preset {self.preset!r}) does not support; "
                f"it supports: {', '.join(sorted(self.tasks))}. Map this mv to a base checkpoint "
                "or to the builtin engine."
            )
        return task


def capabilities_for(info: CheckpointInfo, preset: str, batch_size: int = 2) -> AceStepCapabilities:
    tasks = info.tasks
    modes = frozenset(mode for mode, task in TASK_BY_MODE.items() if task in tasks)
    return AceStepCapabilities(
        modes=modes,
        max_duration_s=MAX_DURATION_S,
        sample_rate=info.sample_rate,
        streams=False,
        has_score=False,
        batch_size=batch_size,
        tasks=tasks,
        preset=preset,
        model_version=info.model_version,
    )
