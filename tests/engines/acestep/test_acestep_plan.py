"""Job -> ACE-Step request arithmetic (torch-free: runs in every environment)."""

from __future__ import annotations

import numpy as np
import pytest

from songsmith.domain.errors import GenerationFailed
from songsmith.domain.statuses import Mode
from songsmith.engines.acestep.plan import (
    EXTEND_CONTEXT_S,
    INSTRUMENTAL_LYRICS,
    WINDOW_CONTEXT_S,
    bucket_duration,
    caption,
    musical_metadata,
    plan_job,
    target_duration,
    to_engine_audio,
)
from songsmith.engines.typing import GenerationJob, SourceMaterial

SR = 48000


def tone(seconds: float, sr: int = SR) -> np.ndarray:
    t = np.arange(round(seconds * sr)) / sr
    mono = 0.3 * np.sin(2 * np.pi * 220.0 * t)
    return np.stack([mono, mono], axis=1).astype(np.float32)


def source(seconds: float = 60.0, sr: int = SR, **meta: object) -> SourceMaterial:
    return SourceMaterial("src-1", tone(seconds, sr), sr, metadata=dict(meta))


def job(mode: Mode, **kw: object) -> GenerationJob:
    fields: dict[str, object] = dict(
        mode=mode, seed=11, max_duration_s=240.0, lyrics="[Verse]\none\ntwo", tags="pop"
    )
    fields.update(kw)
    return GenerationJob(**fields)  # type: ignore[arg-type]


def test_bucket_duration_pads_up_and_steps_past_the_last_bucket() -> None:
    buckets = (30.0, 60.0, 180.0)
    assert bucket_duration(12.0, buckets) == 30.0
    assert bucket_duration(60.0, buckets) == 60.0
    assert bucket_duration(61.0, buckets) == 180.0
    assert bucket_duration(200.0, buckets) == 210.0
    assert bucket_duration(42.5, None) == 42.5


def test_target_duration_from_extra_lyrics_or_instrumental_default_and_cap() -> None:
    assert target_duration(job(Mode.CUSTOM, extra={"duration_s": 95}), 240) == 95
    assert target_duration(job(Mode.CUSTOM, extra={"duration_s": 900}), 240) == 240
    lines = "\n".join(["[Chorus]"] + ["la la la"] * 10)
    assert target_duration(job(Mode.CUSTOM, lyrics=lines), 240) == pytest.approx(24 + 45)
    assert target_duration(job(Mode.INSTRUMENTAL, instrumental=True, lyrics=""), 240) == 120


def test_caption_and_metadata_follow_tags_voice_and_negative_tags() -> None:
    j = job(
        Mode.CUSTOM,
        tags="dark synthwave, 96 BPM, in F# minor, 3/4",
        vocal_gender="m",
        negative_tags="guitar",
    )
    assert caption(j) == "dark synthwave, 96 BPM, in F# minor, 3/4, male vocals, without guitar"
    assert musical_metadata(j) == (96, "F# minor", "3")
    inherited = job(Mode.EXTEND, tags="folk", source=source(bpm=88.4, key="D major"))
    assert musical_metadata(inherited) == (88, "D major", None)


def test_text2music_pads_to_bucket_announces_real_duration_and_fades() -> None:
    req = plan_job(job(Mode.CUSTOM, extra={"duration_s": 50}), "text2music", SR, (30.0, 60.0))
    assert req.shape.audio_duration_s == 60.0
    assert req.shape.prompt_duration_s == 50.0
    assert req.crop_s == (0.0, 50.0) and req.fade_out_s > 0
    assert req.src_audio is None and req.reference_audio is None
    exact = plan_job(job(Mode.CUSTOM, extra={"duration_s": 60}), "text2music", SR, (30.0, 60.0))
    assert exact.fade_out_s == 0.0


def test_instrumental_uses_the_instrumental_marker() -> None:
    req = plan_job(job(Mode.INSTRUMENTAL, instrumental=True, lyrics=""), "text2music", SR)
    assert req.lyrics == INSTRUMENTAL_LYRICS
    assert "instrumental" in req.prompt


def test_persona_takes_the_root_clip_as_timbre_reference() -> None:
    req = plan_job(job(Mode.ARTIST_CONSISTENCY, source=source(20.0)), "text2music", SR)
    assert req.reference_audio is not None and req.reference_audio.shape == (20 * SR, 2)
    assert req.shape.reference_key == "src-1"
    assert req.metadata["persona_root_clip_id"] == "src-1"


def test_extend_hears_the_tail_and_repaints_past_the_join() -> None:
    j = job(Mode.EXTEND, source=source(60.0), continue_at=45.0, extra={"duration_s": 40})
    req = plan_job(j, "repaint", SR, (60.0, 120.0))
    ctx = EXTEND_CONTEXT_S
    assert req.shape.audio_duration_s == 120.0  # ctx + 40 s padded to the bucket
    assert req.shape.repaint == (ctx, 120.0)
    assert req.crop_s == (ctx, ctx + 40.0)
    assert req.src_audio is not None and req.src_audio.shape == (120 * SR, 2)
    src = j.source
    assert src is not None
    # the context is the source just before the join, the rest silence for the model to fill
    np.testing.assert_array_equal(req.src_audio[: round(ctx * SR)], src.audio[15 * SR : 45 * SR])
    assert not req.src_audio[round(ctx * SR) :].any()
    assert req.metadata["continue_at"] == 45.0


def test_extend_without_continue_at_joins_at_the_end_of_a_short_source() -> None:
    req = plan_job(job(Mode.EXTEND, source=source(12.0), extra={"duration_s": 20}), "repaint", SR)
    assert req.shape.repaint == (12.0, 32.0) and req.crop_s == (12.0, 32.0)


def test_infill_generates_the_window_with_context_and_returns_exactly_the_window() -> None:
    j = job(Mode.INFILL, source=source(150.0), window=(100.0, 110.0))
    req = plan_job(j, "repaint", SR)
    span = 10.0 + 2 * WINDOW_CONTEXT_S
    assert req.shape.audio_duration_s == pytest.approx(span)  # not the 150 s source
    assert req.shape.repaint == (WINDOW_CONTEXT_S, WINDOW_CONTEXT_S + 10.0)
    assert req.crop_s == req.shape.repaint
    assert req.metadata["window"] == [100.0, 110.0]


def test_painting_without_window_covers_the_whole_source() -> None:
    req = plan_job(job(Mode.OVERPAINTING, source=source(30.0)), "repaint", SR)
    assert req.crop_s == (0.0, 30.0) and req.shape.repaint == (0.0, 30.0)


def test_cover_and_extract_take_the_whole_source_and_sliders() -> None:
    j = job(Mode.COVER, source=source(30.0), extra={"control_sliders": {"audio_weight": 0.4}})
    req = plan_job(j, "cover", SR)
    assert req.crop_s == (0.0, 30.0) and req.shape.cover_strength == 0.4
    stem = plan_job(
        job(Mode.GEN_STEM, source=source(30.0), extra={"stem_group": "drums"}), "extract", SR
    )
    assert stem.shape.track_name == "drums" and stem.shape.repaint is None


def test_clips_of_one_submit_share_a_call_shape() -> None:
    a = plan_job(job(Mode.INFILL, source=source(60.0), window=(5.0, 9.0)), "repaint", SR)
    b = plan_job(job(Mode.INFILL, source=source(60.0), window=(5.0, 9.0), seed=12), "repaint", SR)
    c = plan_job(job(Mode.INFILL, source=source(60.0), window=(6.0, 9.0)), "repaint", SR)
    assert a.shape == b.shape and a.seed != b.seed
    assert a.shape != c.shape


def test_sources_are_resampled_to_the_engine_rate_and_made_stereo() -> None:
    mono = SourceMaterial("m", tone(2.0, 44100)[:, 0], 44100)
    audio = to_engine_audio(mono, SR)
    assert audio.shape == (2 * SR, 2) and audio.dtype == np.float32
    assert np.abs(audio).max() == pytest.approx(0.3, abs=0.02)


def test_modes_needing_a_source_fail_clearly_without_one() -> None:
    with pytest.raises(GenerationFailed, match="needs source audio"):
        plan_job(job(Mode.INFILL, window=(1.0, 2.0)), "repaint", SR)
    with pytest.raises(GenerationFailed, match="under 1 s"):
        plan_job(job(Mode.INFILL, source=source(10.0), window=(3.0, 3.5)), "repaint", SR)
