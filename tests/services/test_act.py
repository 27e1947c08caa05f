"""act/wav, act/mp4, act/midi over a real store, blobs, queue and pipeline-made clips."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import av
import mido
import numpy as np
import pytest
from media_job_helpers import Env, generated_clip, make_env, new_task

from songsmith.api.suno.mapping import clip_to_wire
from songsmith.domain.models import Clip
from songsmith.domain.statuses import Mode
from songsmith.media.codecs import decode_audio, encode_mp3
from songsmith.services import act


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    environment = make_env(tmp_path)
    yield environment
    environment.close()


@pytest.fixture
def clip(env: Env) -> Clip:
    return generated_clip(env, seconds=2.0)


def _bytes(env: Env, blob_id: str) -> bytes:
    return env.blobs.read_bytes(blob_id)


def _blob_id(url: str) -> str:
    return url.rsplit("/", 1)[-1]


def test_wav_is_rendered_once_from_the_exact_stems(env: Env, clip: Clip) -> None:
    first = act.wav_for_clip(env.store, env.blobs, env.queue, clip, env.settings)
    assert first["state"] == "complete" and first["data"]["state"] == "complete"
    url = first["wav_file_url"]
    assert url.startswith("http") and first["data"]["wav_file_url"] == url
    before = env.blob_count()
    again = act.wav_for_clip(env.store, env.blobs, env.queue, clip, env.settings)
    assert again["wav_file_url"] == url and env.blob_count() == before  # no second render

    data = _bytes(env, _blob_id(url))
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.name == "pcm_s16le"
        assert stream.rate == 44100 and stream.codec_context.channels == 2
    wav, rate = decode_audio(data, {"wav"})
    mp3, _ = decode_audio(_bytes(env, clip.artifacts["mp3"]), {"mp3"})
    assert clip.duration is not None and abs(len(wav) / rate - clip.duration) < 0.05
    n = min(len(wav), len(mp3))
    error = wav[:n] - mp3[:n]
    snr = 10 * np.log10(np.sum(wav[:n] ** 2) / np.sum(error**2))
    assert snr > 15, snr  # the same master, lossless vs mp3


def test_midi_holds_the_score_and_a_matching_file(env: Env, clip: Clip) -> None:
    answer = act.midi_for_clip(env.store, env.blobs, env.queue, clip, env.settings)
    assert answer["state"] == "complete"
    score = json.loads(_bytes(env, clip.artifacts["score"]))
    names = [i["name"] for i in answer["instruments"]]
    assert names == [t["name"] for t in score["tracks"]]
    notes = [n for i in answer["instruments"] for n in i["notes"]]
    assert notes and all(0 <= n["velocity"] <= 1 and n["end"] > n["start"] for n in notes)
    midi = mido.MidiFile(file=io.BytesIO(_bytes(env, _blob_id(answer["midi_url"]))))
    ons = sum(1 for t in midi.tracks for m in t if m.type == "note_on" and m.velocity > 0)
    assert ons == len(notes)
    assert (
        act.midi_for_clip(env.store, env.blobs, env.queue, clip, None)["midi_url"]
        == (answer["midi_url"])
    )


def test_mp4_is_one_job_then_complete_and_on_the_clip(env: Env, clip: Clip) -> None:
    first = act.mp4_for_clip(env.store, env.blobs, env.queue, clip, env.settings)
    assert first["state"] == "running" and first["mp4_file_url"] == first["video_url"] == ""
    second = act.mp4_for_clip(env.store, env.blobs, env.queue, clip, env.settings)
    assert second["state"] == "running"
    assert env.queue.depth().get(act.RENDER_QUEUE) == 1  # a second request started nothing

    lease = env.run_next()
    assert lease.spec.kind == "render_mp4"
    assert env.queue.depth().get(act.RENDER_QUEUE, 0) == 0
    fresh = env.store.get_clip(clip.id, None)
    assert fresh is not None and "mp4" in fresh.artifacts
    done = act.mp4_for_clip(env.store, env.blobs, env.queue, fresh, env.settings)
    assert done["state"] == "complete" and done["data"]["state"] == "complete"
    assert done["mp4_file_url"] == done["video_url"] != ""
    wire = clip_to_wire(fresh, env.blobs.url)
    assert wire["video_url"] == done["video_url"] and wire["is_video_pending"] is False

    with av.open(io.BytesIO(_bytes(env, fresh.artifacts["mp4"]))) as container:
        kinds = {s.type: s.codec_context.name for s in container.streams}
        assert kinds == {"video": "h264", "audio": "aac"}
        assert container.duration is not None
        assert abs(container.duration / 1e6 - (fresh.duration or 0)) < 0.35


def test_midi_of_audio_without_score_is_transcribed_by_one_job(env: Env) -> None:
    rate = 44100
    t = np.arange(int(2.0 * rate)) / rate
    melody = np.where(t < 1.0, 440.0, 523.25)  # A4 then C5
    tone = 0.4 * np.sin(2 * np.pi * np.cumsum(melody) / rate)
    audio = np.stack([tone, tone], axis=1).astype(np.float32)
    _, (upload,) = new_task(
        env, request={"url": "https://example.invalid/a.mp3"}, titles=["a"], mode=Mode.UPLOAD
    )
    mp3_id = env.blobs.put(encode_mp3(audio, rate), content_type="audio/mpeg", suffix="mp3")
    assert env.store.start_clip(upload.id, 1)
    assert env.store.complete_clip(
        upload.id, 1, duration=2.0, artifacts={"mp3": mp3_id}, metadata={"type": "upload"}
    )
    clip = env.store.get_clip(upload.id, None)
    assert clip is not None
    assert act.midi_for_clip(env.store, env.blobs, env.queue, clip, env.settings) == {
        "state": "running"
    }
    assert act.midi_for_clip(env.store, env.blobs, env.queue, clip, env.settings) == {
        "state": "running"
    }
    assert env.queue.depth().get(act.RENDER_QUEUE) == 1
    assert env.run_next().spec.kind == "render_midi"
    clip = env.store.get_clip(upload.id, None)
    assert clip is not None and {"midi", "transcription"} <= set(clip.artifacts)
    answer = act.midi_for_clip(env.store, env.blobs, env.queue, clip, env.settings)
    assert answer["state"] == "complete" and answer["midi_url"]
    pitches = {n["pitch"] for i in answer["instruments"] for n in i["notes"]}
    assert {69, 72} <= pitches  # A4 and C5 heard


def test_a_stale_render_record_is_enqueued_again(env: Env, clip: Clip) -> None:
    env.store.update_clip_metadata(
        clip.id, {act.RENDERS_KEY: {"mp4": {"state": "running", "since": 1}}}
    )
    stale = env.store.get_clip(clip.id, None)
    assert stale is not None
    assert act.mp4_for_clip(env.store, env.blobs, env.queue, stale, env.settings)["state"] == (
        "running"
    )
    assert env.queue.depth().get(act.RENDER_QUEUE) == 1


def test_a_render_out_of_attempts_leaves_the_clip_complete_and_can_be_asked_again(
    env: Env, clip: Clip
) -> None:
    from songsmith.domain.statuses import ClipStatus
    from songsmith.services.pipeline import finish_failed

    act.mp4_for_clip(env.store, env.blobs, env.queue, clip, env.settings)
    lease = env.claim()
    finish_failed(env.store, lease.spec, "timeout", "The render took too long.", None)
    failed = env.store.get_clip(clip.id, None)
    assert failed is not None and failed.status is ClipStatus.COMPLETE
    assert failed.metadata[act.RENDERS_KEY]["mp4"]["state"] == "failed"
    again = act.mp4_for_clip(env.store, env.blobs, env.queue, failed, env.settings)
    assert again["state"] == "running" and env.queue.depth().get(act.RENDER_QUEUE) == 1
