"""Extend: only the continuation, on the source's grid, key, tempo, instruments and voice."""

from __future__ import annotations

import numpy as np
import pytest

from songsmith.domain.statuses import Mode
from songsmith.engines.builtin.engine import SAMPLE_RATE
from songsmith.engines.builtin.form import TAIL_S
from songsmith.engines.builtin.modes import extend_song
from songsmith.engines.builtin.modes.context import parse_key
from songsmith.engines.typing import Song, SourceMaterial

from .conftest import db, edit_job, scale_share, span

NEW_LYRICS = "[Chorus]\nHold the line, hold the line\nWe will find the morning light\n"


@pytest.fixture(scope="module")
def extension(source: SourceMaterial) -> Song:
    # 10.3 s is inside a bar of the 106 bpm source: the join must snap to a beat
    return extend_song(edit_job(Mode.EXTEND, source, lyrics=NEW_LYRICS, continue_at=10.3))


def test_join_snaps_to_the_source_beat_grid(source: SourceMaterial, extension: Song) -> None:
    assert source.score is not None
    beat_s = 60.0 / source.score.bpm
    join = extension.metadata["continue_at"]
    assert abs(join - 10.3) <= beat_s / 2 + 1e-6
    assert abs(join / beat_s - round(join / beat_s)) < 1e-6
    assert extension.metadata["history"] == [
        {"id": "clip-a", "continue_at": join, "type": "gen", "source": "api", "infill": False}
    ]


def test_keeps_key_tempo_meter_instruments_and_voice(
    source: SourceMaterial, extension: Song
) -> None:
    assert source.score is not None and extension.score is not None
    assert extension.score.bpm == pytest.approx(source.score.bpm)
    assert extension.score.key == source.score.key
    assert extension.score.time_signature == source.score.time_signature
    programs = {t.program for t in source.score.tracks if t.notes and not t.is_drum}
    new_programs = {t.program for t in extension.score.tracks if t.notes and not t.is_drum}
    assert new_programs - {119} <= programs  # a riser (fx) may mark the new section
    assert extension.metadata["vocal_gender"] == source.metadata["vocal_gender"]
    # the audio itself is in the source's key: its chroma lies on the source's scale
    tonic, mode = parse_key(source.score.key) or (0, "major")
    share = scale_share(extension.mix, tonic, mode)
    assert share >= scale_share(source.audio, tonic, mode) - 0.03
    assert share > scale_share(extension.mix, tonic + 1, mode) + 0.05  # a semitone away


def test_holds_only_the_continuation_with_the_new_lyrics_sung(extension: Song) -> None:
    assert extension.score is not None
    assert len(extension.mix) == round(extension.score.duration_s * SAMPLE_RATE)
    words = " ".join(w.word for w in extension.words)
    assert "Hold" in words and "Sunlight" not in words
    lead = [n for t in extension.score.tracks if t.name == "lead_vocal" for n in t.notes]
    first, last = lead[0].start, lead[-1].end
    vocals = extension.stems["vocals"]
    assert db(span(vocals, first, last)) > -35  # sung where the score says
    assert db(span(vocals, 0.0, max(0.05, first - 0.2))) < -60  # silent in the lead-in
    # starts at once: the first beat already plays (no gap before the continuation)
    assert db(span(extension.mix, 0.0, 0.25)) > -45
    residual = extension.mix - np.sum(list(extension.stems.values()), axis=0)
    assert db(residual) - db(extension.mix) < -30


def test_continuation_onsets_sit_on_the_source_grid(
    source: SourceMaterial, extension: Song
) -> None:
    assert source.score is not None and extension.score is not None
    join = extension.metadata["continue_at"]
    eighth = 30.0 / source.score.bpm
    onsets = [
        n.start + join
        for t in extension.score.tracks
        if t.is_drum or t.group == "bass"
        for n in t.notes
    ]
    off_grid = [abs(t / eighth - round(t / eighth)) * eighth for t in onsets]
    assert np.median(off_grid) < 0.012  # humanised by a few ms, never shifted


def test_default_join_is_the_end_of_the_source(source: SourceMaterial) -> None:
    assert source.score is not None
    song = extend_song(edit_job(Mode.EXTEND, source, lyrics="[Verse]\nOne more time", seed=3))
    assert song.metadata["continue_at"] == pytest.approx(source.score.duration_s - TAIL_S, abs=1e-3)


def test_upload_extend_estimates_tempo_and_key_from_the_audio(source: SourceMaterial) -> None:
    assert source.score is not None
    upload = SourceMaterial("up-1", source.audio, source.sample_rate, metadata={"type": "upload"})
    song = extend_song(
        edit_job(Mode.UPLOAD_EXTEND, upload, lyrics="[Verse]\nOne more time", continue_at=12.0)
    )
    assert song.metadata["bpm"] == pytest.approx(source.score.bpm, rel=0.03)
    assert song.metadata["key"] == source.score.key
    assert song.metadata["history"][0]["type"] == "upload"
    assert db(song.stems["vocals"]) > -45
