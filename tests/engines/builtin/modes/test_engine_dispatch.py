"""`BuiltinEngine.generate` serves the edit modes through `modes.EDIT_MODES`."""

from __future__ import annotations

import numpy as np

from songsmith.domain.statuses import Mode
from songsmith.engines.builtin.engine import BuiltinEngine
from songsmith.engines.builtin.modes import EDIT_MODES
from songsmith.engines.typing import Audio, SourceMaterial

from .conftest import edit_job


def test_engine_declares_and_dispatches_the_edit_modes(source: SourceMaterial) -> None:
    engine = BuiltinEngine()
    assert set(EDIT_MODES) <= engine.capabilities.modes
    chunks: list[Audio] = []
    progress: list[tuple[int, int]] = []
    job = edit_job(Mode.INFILL, source, lyrics="Golden light", window=(4.0, 9.0))
    song = engine.generate(job, lambda d, t: progress.append((d, t)), chunks.append)
    assert song.metadata["infill"] is True and len(song.mix) == 5 * 44100
    assert np.array_equal(np.concatenate(chunks), song.mix)  # streamed once rendered
    assert [d / t for d, t in progress] == sorted(d / t for d, t in progress)
    assert progress[-1][0] == progress[-1][1]
