"""Cover: the same melody, lyrics, form and chords, re-arranged in a new style and voice."""

from __future__ import annotations

import numpy as np
import pytest

from songsmith.domain.statuses import Mode
from songsmith.engines.builtin.modes import cover_song
from songsmith.engines.typing import Song, SourceMaterial

from .conftest import db, edit_job, span


@pytest.fixture(scope="module")
def cover(source: SourceMaterial) -> Song:
    return cover_song(edit_job(Mode.COVER, source, tags="jazz, male vocals", vocal_gender="m"))


def _lead(song_score: object) -> list[tuple[int, float]]:
    tracks = getattr(song_score, "tracks", [])
    return [(n.pitch, n.start) for t in tracks if t.name == "lead_vocal" for n in t.notes]


def test_same_melody_lyrics_form_and_chords(source: SourceMaterial, cover: Song) -> None:
    assert source.score is not None and cover.score is not None
    old, new = _lead(source.score), _lead(cover.score)
    assert len(old) == len(new) > 0
    assert [t for _, t in old] == pytest.approx([t for _, t in new])
    shifts = {b - a for (a, _), (b, _) in zip(old, new, strict=True)}
    assert len(shifts) == 1 and shifts.pop() % 12 == 0  # moved by whole octaves only
    assert [w.word for w in cover.words] == [w.word for w in source.score.words]
    assert [s.name for s in cover.score.sections] == [s.name for s in source.score.sections]
    assert [c for _, _, c in cover.score.chords] == [c for _, _, c in source.score.chords]


def test_new_style_instruments_and_voice(source: SourceMaterial, cover: Song) -> None:
    assert source.score is not None and cover.score is not None
    assert cover.metadata["genre"] == "jazz" and source.metadata["genre"] == "pop"
    assert cover.metadata["vocal_gender"] == "m"
    old = {t.program for t in source.score.tracks if t.notes and not t.is_drum}
    new = {t.program for t in cover.score.tracks if t.notes and not t.is_drum}
    assert new != old
    lead = [n for t in cover.score.tracks if t.name == "lead_vocal" for n in t.notes]
    assert max(n.pitch for n in lead) <= 64  # the male range tops out at E4
    assert db(span(cover.stems["vocals"], lead[0].start, lead[-1].end)) > -35
    residual = cover.mix - np.sum(list(cover.stems.values()), axis=0)
    assert db(residual) - db(cover.mix) < -30
