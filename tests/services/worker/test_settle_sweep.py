"""The reaper's settle sweep: a worker killed between settling the queue and the store leaves a
job that is over and a clip or task that is still open; the sweep finishes the store side."""

from __future__ import annotations

import pytest
from songsmith_worker_helpers import submit_music

from songsmith.blobs.local import LocalBlobStore
from songsmith.config import Settings
from songsmith.domain.statuses import ClipStatus, TaskStatus
from songsmith.engines.registry import EngineRegistry
from songsmith.queue.sql import SqlQueue
from songsmith.queue.typing import Lease
from songsmith.services.pipeline import PipelineContext, execute
from songsmith.services.worker.reaper import run_reaper_once
from songsmith.services.worker.settle_sweep import SettleSweep
from songsmith.store.sql import SqlStore


@pytest.fixture
def ctx(settings: Settings, store: SqlStore, blobs: LocalBlobStore) -> PipelineContext:
    return PipelineContext(settings, store, blobs, EngineRegistry(settings))


def claim(queue: SqlQueue) -> Lease:
    lease = queue.claim("w", ["testing"], 5.0)
    assert lease is not None
    return lease


def completed_clip(store: SqlStore, queue: SqlQueue) -> tuple[str, Lease]:
    """A one-clip task whose clip the claimed attempt completed: the task is not settled yet."""
    task_id = submit_music(store, queue, n_clips=1)
    lease = claim(queue)
    (clip,) = store.get_clips(task_id)
    assert store.start_clip(clip.id, lease.attempt)
    assert store.complete_clip(clip.id, lease.attempt, duration=1.0, artifacts={}, metadata={})
    return task_id, lease


def test_dead_job_with_streaming_clip_is_failed_after_the_grace(
    settings: Settings, store: SqlStore, queue: SqlQueue
) -> None:
    task_id = submit_music(store, queue, n_clips=1)
    lease = claim(queue)
    (clip,) = store.get_clips(task_id)
    assert store.start_clip(clip.id, lease.attempt)
    # the worker's last call before it was killed: the queue says dead, the store never hears
    assert queue.fail(lease, "RuntimeError: boom", retry=False) is not None
    assert store.get_clips(task_id)[0].status is ClipStatus.STREAMING

    waiting = SettleSweep(grace_s=60.0)
    run_reaper_once(store, queue, settings, sweep=waiting)
    assert store.get_clips(task_id)[0].status is ClipStatus.STREAMING  # a live worker's window

    run_reaper_once(store, queue, settings, sweep=SettleSweep(grace_s=0.0))
    (clip,) = store.get_clips(task_id)
    assert clip.status is ClipStatus.ERROR
    assert "boom" in clip.metadata["error_message"]
    task = store.get_task(task_id, None)
    assert task is not None and task.status is TaskStatus.FAILURE and "boom" in task.fail_reason
    assert queue.settled_jobs_of_open_tasks() == []  # nothing left to sweep


def test_done_job_whose_task_was_never_settled_is_refreshed(
    settings: Settings, store: SqlStore, queue: SqlQueue
) -> None:
    task_id, lease = completed_clip(store, queue)
    assert queue.complete(lease)  # killed before finish_task: the task stays IN_PROGRESS
    task = store.get_task(task_id, None)
    assert task is not None and task.status is TaskStatus.QUEUED

    sweep = SettleSweep(grace_s=0.0)
    run_reaper_once(store, queue, settings, sweep=sweep)
    task = store.get_task(task_id, None)
    assert task is not None and task.status is TaskStatus.SUCCESS and task.progress == 100


def test_sweep_leaves_tasks_with_live_jobs_alone(
    settings: Settings, store: SqlStore, queue: SqlQueue
) -> None:
    task_id = submit_music(store, queue, n_clips=2)
    first = claim(queue)
    assert store.start_clip(first.spec.clip_id or "", first.attempt)
    assert store.complete_clip(
        first.spec.clip_id or "", first.attempt, duration=1.0, artifacts={}, metadata={}
    )
    assert queue.complete(first)
    run_reaper_once(store, queue, settings, sweep=SettleSweep(grace_s=0.0))
    task = store.get_task(task_id, None)
    assert task is not None and not task.status.terminal  # clip b's job is still queued
    assert {c.status for c in store.get_clips(task_id)} == {
        ClipStatus.COMPLETE,
        ClipStatus.SUBMITTED,
    }


def test_retry_after_a_kill_past_complete_clip_settles_the_task(
    ctx: PipelineContext, store: SqlStore, queue: SqlQueue
) -> None:
    task_id, lease = completed_clip(store, queue)
    # killed here: the lease expires and the job comes back for attempt 2
    queue.release(lease)
    execute(ctx, claim(queue))
    task = store.get_task(task_id, None)
    assert task is not None and task.status is TaskStatus.SUCCESS


@pytest.mark.parametrize("kind", ["stem", "upload"])
def test_a_redelivered_stem_or_upload_job_settles_the_task_its_first_attempt_finished(
    ctx: PipelineContext, store: SqlStore, queue: SqlQueue, kind: str
) -> None:
    from dataclasses import replace

    from songsmith.services.stems import run_stem_job
    from songsmith.services.upload_job import run_upload_job

    task_id, lease = completed_clip(store, queue)
    # killed before it settled the task; the queue hands the job out again
    again = replace(lease, spec=replace(lease.spec, kind=kind), attempt=lease.attempt + 1)
    body = run_stem_job if kind == "stem" else run_upload_job
    body(ctx, again)  # nothing left to make: it only settles
    task = store.get_task(task_id, None)
    assert task is not None and task.status is TaskStatus.SUCCESS
    assert store.get_clips(task_id)[0].status is ClipStatus.COMPLETE
