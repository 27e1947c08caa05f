"""Edit modes of the built-in engine: a `GenerationJob` with `source` in, a `Song` out.

    extend_song(job, progress=None) -> Song         # extend, upload_extend
    infill_song(job, progress=None) -> Song         # infill (replace section)
    cover_song(job, progress=None) -> Song          # cover
    persona_song(job, progress=None) -> Song        # artist_consistency (job.persona = profile)
    underpainting_song(job, progress=None) -> Song  # add instrumental
    overpainting_song(job, progress=None) -> Song   # add vocals
    EDIT_MODES: dict[Mode, EditFunction]            # dispatch table for BuiltinEngine

They reuse the composer's stages (plan, form, harmony, melody, arrangement, render, voice, mix);
what they add is the source's frame: its grid, key, tempo, chords, instruments and voice.
"""

from __future__ import annotations

from collections.abc import Callable

from songsmith.domain.statuses import Mode
from songsmith.engines.builtin.modes.cover import cover_song
from songsmith.engines.builtin.modes.errors import EditInputError
from songsmith.engines.builtin.modes.extend import extend_song
from songsmith.engines.builtin.modes.infill import infill_song
from songsmith.engines.builtin.modes.painting import overpainting_song, underpainting_song
from songsmith.engines.builtin.modes.persona import persona_song
from songsmith.engines.typing import GenerationJob, ProgressCallback, Song

EditFunction = Callable[[GenerationJob, ProgressCallback | None], Song]

EDIT_MODES: dict[Mode, EditFunction] = {
    Mode.EXTEND: extend_song,
    Mode.UPLOAD_EXTEND: extend_song,
    Mode.INFILL: infill_song,
    Mode.COVER: cover_song,
    Mode.ARTIST_CONSISTENCY: persona_song,
    Mode.UNDERPAINTING: underpainting_song,
    Mode.OVERPAINTING: overpainting_song,
}

__all__ = [
    "EDIT_MODES",
    "EditFunction",
    "EditInputError",
    "cover_song",
    "extend_song",
    "infill_song",
    "overpainting_song",
    "persona_song",
    "underpainting_song",
]
