"""Persona: a new song in the persona's voice, tempo range and instruments."""

from __future__ import annotations

from songsmith.domain.statuses import Mode
from songsmith.engines.builtin.modes import persona_song
from songsmith.engines.builtin.modes.persona import TEMPO_SPREAD, persona_tags
from songsmith.engines.typing import GenerationJob

from .conftest import db

PROFILE = {
    "persona_id": "p-1",
    "vocal_gender": "m",
    "bpm": 90.0,
    "genre": "country",
    "programs": [25, 22],
}  # steel guitar, harmonica


def test_persona_song_keeps_voice_tempo_family_and_instruments() -> None:
    job = GenerationJob(
        mode=Mode.ARTIST_CONSISTENCY,
        seed=4,
        max_duration_s=40.0,
        lyrics="[Verse]\nDust on the highway\nSun going down",
        tags="happy",
        persona=PROFILE,
    )
    song = persona_song(job)
    assert song.score is not None
    assert song.metadata["vocal_gender"] == "m" and song.metadata["persona_id"] == "p-1"
    assert song.metadata["genre"] == "country"
    assert abs(song.score.bpm - 90.0) <= 90.0 * TEMPO_SPREAD + 0.5
    programs = {t.program for t in song.score.tracks if t.notes and not t.is_drum}
    assert {25, 22} <= programs
    assert db(song.stems["vocals"]) > -45


def test_tags_leave_an_explicit_tempo_alone() -> None:
    tags = persona_tags(PROFILE, "120 bpm, dark", seed=1)
    assert tags.startswith("country") and "120 bpm" in tags and tags.count("bpm") == 1
