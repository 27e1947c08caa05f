"""gen_stem: exact stems of generated clips, mask separation of other audio, and the stem job."""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile
from media_job_helpers import Env, generated_clip, make_env, new_task

from songsmith.domain.errors import InvalidRequest
from songsmith.domain.models import Clip
from songsmith.domain.statuses import ClipStatus, Mode, TaskStatus
from songsmith.media.codecs import decode_audio, encode_mp3, encode_wav
from songsmith.queue.typing import JobSpec
from songsmith.services import stems


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    environment = make_env(tmp_path)
    yield environment
    environment.close()


def _wav(env: Env, blob_id: str) -> np.ndarray:
    audio, _ = soundfile.read(io.BytesIO(env.blobs.read_bytes(blob_id)), dtype="float32")
    return np.asarray(audio)


def _residual_db(reference: np.ndarray, test: np.ndarray) -> float:
    n = min(len(reference), len(test))
    error = np.sum((reference[:n] - test[:n]) ** 2)
    return float(10 * np.log10(max(error, 1e-20) / np.sum(reference[:n] ** 2)))


def _submit_stems(env: Env, source: Clip, group: str) -> tuple[str, list[Clip]]:
    plans = stems.plan_stems(env.store, env.blobs, source, group)
    task, clips = new_task(
        env,
        request={"task": "gen_stem", "continue_clip_id": source.id, "stem_type_group_name": group},
        titles=[stems.stem_title(source.title, p.stem_type) for p in plans],
        mode=Mode.GEN_STEM,
        metadata=[
            {"type": "stem", "stem_from_id": source.id, "stem_type_group_name": group,
             "stem_type": p.stem_type}
            for p in plans
        ],
    )  # fmt: skip
    for clip, plan in zip(clips, plans, strict=True):
        env.queue.enqueue(JobSpec(task.id, clip.id, "stem", "testing", plan.payload()))
    for _ in clips:
        env.run_next()
    return task.id, env.store.get_clips(task.id)


def test_group_names_and_titles() -> None:
    assert stems.stem_group_name("Twelve", None) == "Twelve"
    assert stems.stem_group_name(None, "two") == "Two"
    assert stems.stem_group_name(None, None) == "Two"
    with pytest.raises(InvalidRequest):
        stems.stem_group_name("Seven", None)
    assert stems.stem_title("City Lights", "drums") == "City Lights (Drums)"
    assert stems.stem_title("City Lights", "backing_vocals") == "City Lights (Backing Vocals)"


def test_two_stems_are_the_exact_vocals_and_the_rest(env: Env) -> None:
    source = generated_clip(env, seconds=2.0)
    task_id, clips = _submit_stems(env, source, "Two")
    task = env.store.get_task(task_id, None)
    assert task is not None and task.status is TaskStatus.SUCCESS
    vocals, instrumental = clips
    assert [c.metadata["stem_type"] for c in clips] == ["vocals", "instrumental"]
    assert vocals.title == "City Lights (Vocals)"
    for clip in clips:
        assert clip.status is ClipStatus.COMPLETE
        assert clip.metadata["stem_from_id"] == source.id
        assert clip.metadata["stem_type_group_name"] == "Two"
        assert clip.metadata["type"] == "stem" and clip.metadata["separation"] == "exact"
    assert vocals.metadata["has_vocal"] is True and instrumental.metadata["has_vocal"] is False

    source_vocals = _wav(env, source.artifacts["stem:vocals"])
    assert _residual_db(source_vocals, _wav(env, vocals.artifacts["stem:vocals"])) < -60
    # vocals + instrumental = the master (stems are post-master-gain, so they line up)
    master, _ = decode_audio(env.blobs.read_bytes(source.artifacts["mp3"]), {"mp3"})
    together = _wav(env, vocals.artifacts["stem:vocals"]) + _wav(
        env, instrumental.artifacts["stem:instrumental"]
    )
    assert _residual_db(master, together) < -15  # mp3 coding noise is the residual
    # the stem clip's own mp3 plays the stem, and its score keeps only the vocal track
    heard, _ = decode_audio(env.blobs.read_bytes(vocals.artifacts["mp3"]), {"mp3"})
    assert _residual_db(source_vocals, heard) < -15
    assert "timing" in vocals.artifacts and "timing" not in instrumental.artifacts


def test_twelve_leaves_out_silent_groups(env: Env) -> None:
    source = generated_clip(env, seconds=2.0)
    silent = np.zeros((88200, 2), np.float32)
    silent[100] = 10 ** (-70 / 20)  # a -70 dBFS speck: below the -60 dBFS floor
    blob = env.blobs.put(encode_wav(silent, 44100), content_type="audio/wav", suffix="wav")
    env.store.add_artifact(source.id, "stem:fx", blob)
    fresh = env.store.get_clip(source.id, None)
    assert fresh is not None
    plans = stems.plan_stems(env.store, env.blobs, fresh, "Twelve")
    assert [p.stem_type for p in plans] == ["vocals", "drums", "keyboard"]  # wire order
    cached = env.store.get_clip(source.id, None)
    assert cached is not None and cached.metadata[stems.PEAKS_KEY]["fx"] < -60
    _, clips = _submit_stems(env, fresh, "Twelve")
    assert [c.title for c in clips] == [
        "City Lights (Vocals)",
        "City Lights (Drums)",
        "City Lights (Keyboard)",
    ]
    drums = _wav(env, clips[1].artifacts["stem:drums"])
    assert _residual_db(_wav(env, source.artifacts["stem:drums"]), drums) < -60


def _recording(seconds: float = 3.0, rate: int = 44100) -> dict[str, np.ndarray]:
    """Centre voice-band tone, wide-panned pad, bass, and clicks: a toy mix with known parts."""
    t = np.arange(int(seconds * rate)) / rate
    voice = 0.2 * np.sin(2 * np.pi * 880 * t)
    pad_l = 0.1 * np.sin(2 * np.pi * 1320 * t)
    bass = 0.3 * np.sin(2 * np.pi * 55 * t)
    clicks = np.zeros_like(t)
    for start in range(0, len(t), rate // 4):
        clicks[start : start + 200] += np.random.default_rng(start).standard_normal(200) * 0.5
    return {
        "voice": np.stack([voice, voice], 1),
        "pad": np.stack([pad_l, np.zeros_like(pad_l)], 1),
        "bass": np.stack([bass, bass], 1),
        "clicks": np.stack([clicks, clicks], 1),
    }


def _energy_share(part: np.ndarray, whole: np.ndarray) -> float:
    return float(np.sum(part**2) / np.sum(whole**2))


def test_mask_separation_sums_to_the_input_and_finds_the_parts() -> None:
    parts = _recording()
    mix = np.sum(list(parts.values()), axis=0).astype(np.float32)
    out = stems.separate(mix, 44100)
    assert set(out) == {"vocals", "drums", "bass", "other"}
    assert _residual_db(mix, np.sum(list(out.values()), axis=0)) < -30
    # each known part lands mostly in its stem
    assert _residual_db(parts["bass"], out["bass"]) < -6
    assert _residual_db(parts["voice"], out["vocals"]) < -6
    assert _energy_share(out["vocals"], parts["voice"]) > 0.6
    assert _energy_share(out["other"][:, 0], parts["pad"][:, 0]) > 0.6  # hard-panned: not voice


def test_stems_of_an_upload_are_masked_and_labelled(env: Env) -> None:
    mix = np.sum(list(_recording(2.0).values()), axis=0).astype(np.float32)
    _, (upload,) = new_task(
        env, request={"url": "https://example.invalid/a.mp3"}, titles=["Take"], mode=Mode.UPLOAD
    )
    mp3 = env.blobs.put(encode_mp3(mix, 44100), content_type="audio/mpeg", suffix="mp3")
    assert env.store.start_clip(upload.id, 1)
    assert env.store.complete_clip(
        upload.id, 1, duration=2.0, artifacts={"mp3": mp3}, metadata={"type": "upload"}
    )
    source = env.store.get_clip(upload.id, None)
    assert source is not None
    plans = stems.plan_stems(env.store, env.blobs, source, "Twelve")
    assert [p.stem_type for p in plans] == list(stems.SEPARATED_TYPES)
    _, clips = _submit_stems(env, source, "Two")
    assert [c.metadata["stem_type"] for c in clips] == ["vocals", "instrumental"]
    assert all(c.metadata["separation"] == "hpss" for c in clips)
    assert all(c.status is ClipStatus.COMPLETE and "score" not in c.artifacts for c in clips)
    decoded, _ = decode_audio(env.blobs.read_bytes(mp3), {"mp3"})
    total = _wav(env, clips[0].artifacts["stem:vocals"]) + _wav(
        env, clips[1].artifacts["stem:instrumental"]
    )
    assert _residual_db(decoded, total) < -30
    assert math.isfinite(clips[0].metadata["peak_dbfs"])
