"""Infill: new music for exactly the window, on the source's grid, key, tempo and chords."""

from __future__ import annotations

import numpy as np
import pytest

from songsmith.domain.statuses import Mode
from songsmith.engines.builtin.engine import SAMPLE_RATE
from songsmith.engines.builtin.modes import EditInputError, infill_song
from songsmith.engines.typing import Song, SourceMaterial

from .conftest import db, edit_job, span

WINDOW = (8.7, 17.3)  # neither end on a bar line of the 106 bpm source


@pytest.fixture(scope="module")
def infill(source: SourceMaterial) -> Song:
    job = edit_job(
        Mode.INFILL, source, lyrics="Golden rivers running\nAll the way to you", window=WINDOW
    )
    return infill_song(job)


def test_covers_exactly_the_window(infill: Song) -> None:
    assert len(infill.mix) == round((WINDOW[1] - WINDOW[0]) * SAMPLE_RATE)
    assert all(len(a) == len(infill.mix) for a in infill.stems.values())
    assert infill.metadata["infill"] is True
    assert (infill.metadata["infill_start_s"], infill.metadata["infill_end_s"]) == WINDOW
    residual = infill.mix - np.sum(list(infill.stems.values()), axis=0)
    assert db(residual) - db(infill.mix) < -30


def test_sings_the_new_lyrics_in_the_source_voice_key_and_tempo(
    source: SourceMaterial, infill: Song
) -> None:
    assert source.score is not None and infill.score is not None
    assert infill.score.bpm == pytest.approx(source.score.bpm)
    assert infill.score.key == source.score.key
    assert infill.metadata["vocal_gender"] == source.metadata["vocal_gender"]
    words = " ".join(w.word for w in infill.words)
    assert "Golden" in words and "Sunlight" not in words
    lead = [n for t in infill.score.tracks if t.name == "lead_vocal" for n in t.notes]
    assert lead and 0.0 <= lead[0].start and lead[-1].end <= WINDOW[1] - WINDOW[0]
    assert db(span(infill.stems["vocals"], lead[0].start, lead[-1].end)) > -35


def test_follows_the_source_chords_and_beat_grid(source: SourceMaterial, infill: Song) -> None:
    assert source.score is not None and infill.score is not None
    start, end = WINDOW
    beat_s = 60.0 / source.score.bpm
    # every chord change of the source inside the window is a chord change of the infill
    source_changes = {
        (round(a - start, 2), c) for a, _, c in source.score.chords if start < a < end - 1e-3
    }
    infill_changes = {(round(a, 2), c) for a, _, c in infill.score.chords if a > 0}
    assert source_changes and source_changes <= infill_changes
    # the new drums hit on the source's eighth-note grid
    hits = [n.start + start for t in infill.score.tracks if t.is_drum for n in t.notes]
    off = [abs(t / (beat_s / 2) - round(t / (beat_s / 2))) * beat_s / 2 for t in hits]
    assert hits and float(np.median(off)) < 0.012


def test_a_window_outside_the_source_is_refused(source: SourceMaterial) -> None:
    with pytest.raises(EditInputError, match="window"):
        infill_song(edit_job(Mode.INFILL, source, lyrics="la", window=(100.0, 120.0)))
