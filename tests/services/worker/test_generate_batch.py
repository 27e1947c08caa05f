"""Engines that batch (ACE-Step: both clips of a submit in one pipeline call) get one job per
task; the pipeline runs it as one engine call and completes every clip under the one lease."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime
from typing import Any

from songsmith.blobs.local import LocalBlobStore
from songsmith.config import Settings
from songsmith.domain.errors import GenerationFailed
from songsmith.domain.models import Clip, Task
from songsmith.domain.statuses import Action, ClipStatus, Mode, TaskStatus
from songsmith.engines.registry import EngineRegistry
from songsmith.engines.testing import TestingEngine
from songsmith.engines.typing import GenerationJob, ProgressCallback, Song
from songsmith.queue.sql import SqlQueue
from songsmith.queue.typing import Lease
from songsmith.services.pipeline import PipelineContext, execute, finish_failed
from songsmith.services.submit import SubmitContext, _generation_jobs
from songsmith.store.sql import SqlStore

BATCH_CALLS: list[int] = []


class BatchingEngine(TestingEngine):
    """The testing engine with a `generate_batch` that records how many clips each call took."""

    capabilities = dataclasses.replace(TestingEngine.capabilities, batch_size=2)

    def generate_batch(
        self, jobs: list[GenerationJob], progress: ProgressCallback | None = None
    ) -> list[Song]:
        BATCH_CALLS.append(len(jobs))
        return [self.generate(job, progress or (lambda _d, _t: None)) for job in jobs]


def _stored_task(store: SqlStore, tags: str) -> tuple[Task, list[Clip]]:
    task_id, now = str(uuid.uuid4()), datetime.now(UTC)
    clips = [
        Clip(str(uuid.uuid4()), task_id, "key_test", i, ClipStatus.SUBMITTED, "Batch", "chirp-auk",
             now, metadata={"tags": tags, "seed": 7 + i})
        for i in range(2)
    ]  # fmt: skip
    task = Task(task_id, "key_test", Action.MUSIC, Mode.CUSTOM, TaskStatus.SUBMITTED, 0,
                {"prompt": "[Verse]\nhello there", "tags": tags, "seed": 7})  # fmt: skip
    store.create_task(task, clips)
    return task, clips


def _claimed_batch(
    settings: Settings, store: SqlStore, queue: SqlQueue, blobs: LocalBlobStore, tags: str
) -> tuple[PipelineContext, Task, Lease]:
    """A stored two-clip task, its one batch job enqueued as submit does, and that job claimed."""
    engines = EngineRegistry(settings)
    engines.register("batching", f"{__name__}:BatchingEngine")
    task, clips = _stored_task(store, tags)
    payload = {"mode": "custom", "engine": "batching", "clip_ids": [c.id for c in clips]}
    caps = {"batching": BatchingEngine.capabilities}
    (spec,) = _generation_jobs(SubmitContext(store, queue, settings, caps.get), task.id, clips,
                               "batching", payload)  # fmt: skip
    queue.enqueue(spec)
    lease = queue.claim("w", ["batching"], 5.0)
    assert lease is not None
    return PipelineContext(settings, store, blobs, engines), task, lease


def test_submit_makes_one_job_per_task_for_a_batching_engine(
    settings: Settings, store: SqlStore, queue: SqlQueue
) -> None:
    caps: dict[str, Any] = {
        "batching": BatchingEngine.capabilities,
        "testing": TestingEngine.capabilities,
    }
    ctx = SubmitContext(store, queue, settings, caps.get)
    _, clips = _stored_task(store, "pop")
    (job,) = _generation_jobs(ctx, "t", clips, "batching", {"engine": "batching"})
    assert job.kind == "generate_batch" and job.clip_id is None
    assert job.payload["clip_ids"] == [c.id for c in clips]
    per_clip = _generation_jobs(ctx, "t", clips, "testing", {"engine": "testing"})
    assert [j.kind for j in per_clip] == ["generate", "generate"]


def test_batch_job_completes_both_clips_in_one_engine_call(
    settings: Settings, store: SqlStore, queue: SqlQueue, blobs: LocalBlobStore
) -> None:
    ctx, task, lease = _claimed_batch(settings, store, queue, blobs, "pop testing:duration=1")
    BATCH_CALLS.clear()
    execute(ctx, lease)
    assert BATCH_CALLS == [2]
    done = store.get_clips(task.id)
    assert [c.status for c in done] == [ClipStatus.COMPLETE, ClipStatus.COMPLETE]
    assert [c.metadata["seed"] for c in done] == [7, 8]
    assert blobs.read_bytes(done[0].artifacts["mp3"]) != blobs.read_bytes(done[1].artifacts["mp3"])
    final = store.get_task(task.id, None)
    assert final is not None and final.status is TaskStatus.SUCCESS


def test_failed_batch_job_fails_every_open_clip(
    settings: Settings, store: SqlStore, queue: SqlQueue, blobs: LocalBlobStore
) -> None:
    ctx, task, lease = _claimed_batch(settings, store, queue, blobs, "pop testing:fail")
    try:
        execute(ctx, lease)
    except GenerationFailed as exc:
        finish_failed(store, lease.spec, exc.error_type, exc.message, settings)
    else:
        raise AssertionError("the testing engine was told to fail")
    assert {c.status for c in store.get_clips(task.id)} == {ClipStatus.ERROR}
    final = store.get_task(task.id, None)
    assert final is not None and final.status is TaskStatus.FAILURE
