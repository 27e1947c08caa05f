"""The pipeline run in-process on a claimed job: real store, blobs, codecs and testing engine."""

from __future__ import annotations

import json

import numpy as np
import pytest
from songsmith_worker_helpers import submit_music

from songsmith.blobs.local import LocalBlobStore
from songsmith.config import Settings
from songsmith.domain.errors import GenerationFailed
from songsmith.domain.statuses import ClipStatus, TaskStatus
from songsmith.engines.registry import EngineRegistry
from songsmith.media.codecs import decode_audio
from songsmith.queue.sql import SqlQueue
from songsmith.queue.typing import Lease
from songsmith.services.pipeline import PipelineContext, execute, finish_failed
from songsmith.store.sql import SqlStore


@pytest.fixture
def ctx(settings: Settings, store: SqlStore, blobs: LocalBlobStore) -> PipelineContext:
    return PipelineContext(settings, store, blobs, EngineRegistry(settings))


def claim(queue: SqlQueue) -> Lease:
    lease = queue.claim("w", ["testing"], 5.0)
    assert lease is not None
    return lease


def test_generate_completes_clip_with_media(
    ctx: PipelineContext, store: SqlStore, queue: SqlQueue, blobs: LocalBlobStore
) -> None:
    task_id = submit_music(store, queue, n_clips=1, duration_s=2.0)
    lease = claim(queue)
    execute(ctx, lease)
    (clip,) = store.get_clips(task_id)
    assert clip.status is ClipStatus.COMPLETE and clip.attempt == 1 and clip.progress == 100
    assert clip.duration is not None and 1.5 < clip.duration < 2.5
    audio, rate = decode_audio(blobs.read_bytes(clip.artifacts["mp3"]), {"mp3"})
    assert rate == 44100 and abs(len(audio) / rate - clip.duration) < 0.1
    assert np.abs(audio).max() > 0.05
    # progressive stream written while rendering: raw mp3 frames that decode too
    stream, _ = decode_audio(blobs.read_bytes(clip.artifacts["stream"]), {"mp3"})
    assert len(stream) > 0.8 * len(audio)
    assert blobs.read_bytes(clip.artifacts["image"])[:3] == b"\xff\xd8\xff"
    assert blobs.read_bytes(clip.artifacts["image_large"])[:3] == b"\xff\xd8\xff"
    assert {"stem:keyboard", "stem:drums", "stem:vocals"} <= set(clip.artifacts)
    score = json.loads(blobs.read_bytes(clip.artifacts["score"]))
    assert score["bpm"] == 120.0
    timing = json.loads(blobs.read_bytes(clip.artifacts["timing"]))
    assert [w["word"].strip() for w in timing["aligned_words"]] == [
        "hello",
        "there",
        "little",
        "light",
    ]
    assert clip.metadata["seed"] == 11 and clip.metadata["engine"] == "testing"
    assert clip.metadata["tags"].startswith("testing pop")  # submit-time metadata kept
    task = store.get_task(task_id, None)
    assert task is not None and task.status is TaskStatus.SUCCESS and task.progress == 100


def test_clips_of_a_task_differ_by_seed(
    ctx: PipelineContext, store: SqlStore, queue: SqlQueue, blobs: LocalBlobStore
) -> None:
    task_id = submit_music(store, queue, n_clips=2, prompt="", tags="testing")
    execute(ctx, claim(queue))
    execute(ctx, claim(queue))
    a, b = store.get_clips(task_id)
    assert a.metadata["seed"] == 11 and b.metadata["seed"] == 12
    assert blobs.read_bytes(a.artifacts["mp3"]) != blobs.read_bytes(b.artifacts["mp3"])


def test_stale_attempt_result_is_rejected_and_its_blobs_removed(
    ctx: PipelineContext, store: SqlStore, queue: SqlQueue, blobs: LocalBlobStore
) -> None:
    task_id = submit_music(store, queue, n_clips=1)
    stale = queue.claim("a", ["testing"], 0.0)
    assert stale is not None
    queue.reap()
    fresh = claim(queue)
    execute(ctx, fresh)  # attempt 2 wins
    (won,) = store.get_clips(task_id)
    before = sorted(p.name for p in blobs.root.rglob("*") if p.is_file())
    execute(ctx, stale)  # attempt 1 arrives late: it must change nothing
    (after,) = store.get_clips(task_id)
    assert after.attempt == 2 and after.artifacts == won.artifacts
    assert sorted(p.name for p in blobs.root.rglob("*") if p.is_file()) == before


def test_engine_failure_is_final_and_explained(
    ctx: PipelineContext, store: SqlStore, queue: SqlQueue
) -> None:
    task_id = submit_music(store, queue, n_clips=1, tags="testing:fail")
    lease = claim(queue)
    with pytest.raises(GenerationFailed) as info:
        execute(ctx, lease)
    dead = queue.fail(lease, info.value.message, retry=False)
    assert dead is not None
    finish_failed(store, lease.spec, info.value.error_type, info.value.message, None)
    (clip,) = store.get_clips(task_id)
    assert clip.status is ClipStatus.ERROR
    assert clip.metadata["error_type"] == "testing_failure"
    task = store.get_task(task_id, None)
    assert task is not None and task.status is TaskStatus.FAILURE
    assert task.fail_reason == "The testing engine was told to fail."


def test_already_complete_clip_is_a_no_op(
    ctx: PipelineContext, store: SqlStore, queue: SqlQueue
) -> None:
    task_id = submit_music(store, queue, n_clips=1)
    lease = claim(queue)
    execute(ctx, lease)
    (done,) = store.get_clips(task_id)
    execute(ctx, lease)  # a redelivery of the same job
    (again,) = store.get_clips(task_id)
    assert again.artifacts == done.artifacts


def test_unknown_job_kind_fails_clearly(ctx: PipelineContext, queue: SqlQueue) -> None:
    from songsmith.queue.typing import JobSpec

    queue.enqueue(JobSpec("t", None, "teleport", "testing"))
    with pytest.raises(GenerationFailed, match="teleport"):
        execute(ctx, claim(queue))


def test_lyrics_job_stores_the_lyrics_object(
    ctx: PipelineContext, store: SqlStore, queue: SqlQueue
) -> None:
    import time
    import uuid

    from songsmith.domain.models import Task
    from songsmith.domain.statuses import Action, Mode
    from songsmith.queue.typing import JobSpec

    task = Task(
        str(uuid.uuid4()),
        "k",
        Action.LYRICS,
        Mode.LYRICS,
        TaskStatus.SUBMITTED,
        int(time.time()),
        {"prompt": "a rainy night in the city", "seed": 4},
    )
    store.create_task(task, [])
    queue.enqueue(JobSpec(task.id, None, "lyrics", "lyrics"))
    lease = queue.claim("w", ["lyrics"], 5.0)
    assert lease is not None
    execute(ctx, lease)
    done = store.get_task(task.id, None)
    assert done is not None and done.status is TaskStatus.SUCCESS and done.result is not None
    assert done.result["id"] == task.id and done.result["status"] == "complete"
    assert "[" in done.result["text"] and done.result["title"]


def test_upload_job_fetches_decodes_and_stores(
    settings: Settings, store: SqlStore, queue: SqlQueue, blobs: LocalBlobStore
) -> None:
    import threading
    import time
    import uuid
    from datetime import UTC, datetime
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from songsmith.domain.models import Clip, Task
    from songsmith.domain.statuses import Action, Mode
    from songsmith.media.codecs import encode_wav
    from songsmith.queue.typing import JobSpec

    tone = np.sin(np.linspace(0, 2 * np.pi * 440, 44100)).astype(np.float32) * 0.3
    body = encode_wav(np.stack([tone, tone], axis=1), 44100)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "audio/wav")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        local = settings.model_copy(update={"fetch_allow_cidrs": "127.0.0.1/32"})
        ctx = PipelineContext(local, store, blobs, EngineRegistry(local))
        url = f"http://127.0.0.1:{server.server_address[1]}/tone.wav"
        task_id, clip_id = str(uuid.uuid4()), str(uuid.uuid4())
        store.create_task(
            Task(
                task_id,
                "k",
                Action.UPLOAD,
                Mode.UPLOAD,
                TaskStatus.SUBMITTED,
                int(time.time()),
                {"url": url},
            ),
            [
                Clip(
                    clip_id,
                    task_id,
                    "k",
                    0,
                    ClipStatus.SUBMITTED,
                    "tone",
                    "chirp-auk",
                    datetime.now(UTC),
                )
            ],
        )
        queue.enqueue(JobSpec(task_id, clip_id, "upload", "testing"))
        execute(ctx, claim(queue))
    finally:
        server.shutdown()
        server.server_close()
    clip = store.get_clip(clip_id, None)
    assert clip is not None and clip.status is ClipStatus.COMPLETE
    assert clip.duration == pytest.approx(1.0, abs=0.01) and clip.metadata["type"] == "upload"
    audio, rate = decode_audio(blobs.read_bytes(clip.artifacts["mp3"]), {"mp3"})
    assert rate == 44100 and abs(len(audio) - 44100) < 3000
    task = store.get_task(task_id, None)
    assert task is not None and task.status is TaskStatus.SUCCESS


def test_unavailable_engine_fails_without_retry(ctx: PipelineContext, queue: SqlQueue) -> None:
    from songsmith.queue.typing import JobSpec

    task_id = submit_music(ctx.store, SqlQueue(ctx.settings.resolved_database_url), n_clips=1)
    clip = ctx.store.get_clips(task_id)[0]
    while queue.claim("drain", ["testing"], 5.0) is not None:
        pass
    queue.enqueue(JobSpec(task_id, clip.id, "generate", "nope", {"engine": "nope"}))
    lease = queue.claim("w", ["nope"], 5.0)
    assert lease is not None
    with pytest.raises(GenerationFailed) as info:
        execute(ctx, lease)
    assert info.value.error_type == "engine_unavailable" and "nope" in info.value.message
