"""Real worker processes (`python -m songsmith.services.worker`) against a real SQLite file."""

from __future__ import annotations

import signal

from songsmith_worker_helpers import (
    start_worker,
    stop_process_group,
    submit_music,
    wait_for,
    wait_terminal,
)

from songsmith.config import Settings
from songsmith.domain.statuses import ClipStatus, TaskStatus
from songsmith.queue.sql import SqlQueue
from songsmith.services.worker import run_reaper_once
from songsmith.store.sql import SqlStore


def test_worker_completes_tasks_and_stops_on_sigterm(
    settings: Settings, store: SqlStore, queue: SqlQueue
) -> None:
    task_ids = [submit_music(store, queue, seed=1)]
    worker = start_worker(settings)
    try:
        tasks = wait_terminal(store, task_ids, 90)
        assert [t.status for t in tasks] == [TaskStatus.SUCCESS]
        for task in tasks:
            assert task.progress == 100 and task.start_time >= task.submit_time
            for clip in store.get_clips(task.id):
                assert clip.status is ClipStatus.COMPLETE and clip.attempt == 1
                assert "mp3" in clip.artifacts
        for task_id in task_ids:
            wait_for(lambda: queue.running() == 0, 10)
            assert [j["state"] for j in queue.jobs_for_task(task_id)] == ["done", "done"]
    finally:
        stop_process_group(worker, signal.SIGTERM)
    assert worker.returncode == 0


def test_retryable_crash_succeeds_on_second_attempt(
    settings: Settings, store: SqlStore, queue: SqlQueue
) -> None:
    task_id = submit_music(store, queue, n_clips=1, tags="testing:crash_once")
    worker = start_worker(settings)
    try:
        (task,) = wait_terminal(store, [task_id], 90)
        assert task.status is TaskStatus.SUCCESS
        (clip,) = store.get_clips(task_id)
        assert clip.attempt == 2
        assert wait_for(lambda: queue.jobs_for_task(task_id)[0]["state"] == "done", 10)
        assert queue.jobs_for_task(task_id)[0]["attempts"] == 2
    finally:
        stop_process_group(worker)


def test_sigterm_lets_the_job_in_flight_finish(
    settings: Settings, store: SqlStore, queue: SqlQueue
) -> None:
    """R7: no new claims after SIGTERM; the job in flight finishes; nothing is lost."""
    first = submit_music(store, queue, n_clips=1, tags="testing testing:slow=3")
    worker = start_worker(settings)
    try:
        assert wait_for(lambda: queue.running() == 1, 60)
        second = submit_music(store, queue, n_clips=1, seed=5)
        worker.send_signal(signal.SIGTERM)  # the worker process only, as a supervisor would
        worker.wait(60)
        assert worker.returncode == 0
        t1 = store.get_task(first, None)
        assert t1 is not None and t1.status is TaskStatus.SUCCESS
        (job2,) = queue.jobs_for_task(second)
        assert job2["state"] == "queued" and job2["attempts"] == 0  # never claimed
    finally:
        stop_process_group(worker, signal.SIGKILL)


def test_reaper_fails_a_job_out_of_attempts(
    settings: Settings, store: SqlStore, queue: SqlQueue
) -> None:
    task_id = submit_music(store, queue, n_clips=1)
    for _ in range(3):
        lease = queue.claim("ghost", ["testing"], 0.0)
        assert lease is not None
        store.start_clip(lease.spec.clip_id or "", lease.attempt)
        wait_for(lambda: False, 0.05)
        dead = run_reaper_once(store, queue, settings)
    assert len(dead) == 1
    task = store.get_task(task_id, None)
    assert task is not None and task.status is TaskStatus.FAILURE
    assert "3 attempts" in task.fail_reason
    (clip,) = store.get_clips(task_id)
    assert clip.status is ClipStatus.ERROR and clip.metadata["error_type"] == "worker_lost"
