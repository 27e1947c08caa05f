"""A persona's profile read from its root clip, and a persona song composed from it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from songsmith.domain.models import Clip
from songsmith.domain.statuses import ClipStatus, Mode
from songsmith.engines.builtin.compose import compose, metadata
from songsmith.engines.builtin.modes.persona import persona_tags
from songsmith.engines.typing import GenerationJob
from songsmith.services.persona_profile import profile_from_clip

LYRICS = "[Verse]\nDust on the highway\nSun going down\n"


def _root_clip() -> tuple[Clip, GenerationJob]:
    job = GenerationJob(
        Mode.CUSTOM,
        seed=3,
        max_duration_s=60.0,
        lyrics=LYRICS,
        tags="country, male vocals, harmonica, 96 bpm",
    )
    composition = compose(job)
    meta = dict(metadata(composition), tags=job.tags, type="gen")
    clip = Clip(
        id="root-1",
        task_id="t-1",
        key_id="k-1",
        index=0,
        status=ClipStatus.COMPLETE,
        title="Highway",
        mv="chirp-auk",
        created_at=datetime.now(UTC),
        metadata=meta,
    )
    clip.metadata["score"] = composition.score.to_dict()
    return clip, job


def test_profile_names_voice_tempo_family_instruments_and_key() -> None:
    clip, _ = _root_clip()
    from songsmith.engines.score import Score

    score = Score.from_dict(clip.metadata.pop("score"))
    profile = profile_from_clip(clip, score)
    assert profile["root_clip_id"] == "root-1"
    assert profile["vocal_gender"] == "m"
    assert profile["bpm"] == 96.0
    assert profile["genre"] == "country"
    assert profile["key"] == score.key
    assert 22 in profile["programs"]  # the harmonica the tags asked for
    assert "lead_vocal" not in profile["instruments"]
    # from metadata alone (no score): the same programs, through the engine's track names
    without_score = profile_from_clip(clip)
    assert set(without_score["programs"]) == set(profile["programs"])
    assert without_score["bpm"] == 96.0


def test_a_persona_song_composed_from_the_profile_keeps_its_frame() -> None:
    clip, _ = _root_clip()
    clip.metadata.pop("score")
    profile = profile_from_clip(clip)
    job = GenerationJob(
        Mode.ARTIST_CONSISTENCY,
        seed=40,
        max_duration_s=60.0,
        lyrics="[Verse]\nA new day",
        tags="uplifting",
    )
    styled = replace(job, tags=persona_tags(profile, job.tags, job.seed), vocal_gender="m")
    song = compose(styled)
    assert song.plan.genre == "country" and song.plan.vocal_gender == "m"
    assert abs(song.plan.bpm - 96.0) <= 96.0 * 0.05 + 0.5
    assert set(profile["programs"]) <= {p.program for p in song.plan.parts}
