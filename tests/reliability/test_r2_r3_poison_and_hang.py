"""R2 (a job that kills its worker every time) and R3 (a job that hangs, ignores SIGTERM and has a
child), with real worker processes and the testing engine."""

from __future__ import annotations

import os
import secrets
import signal
import time
from pathlib import Path

from songsmith_worker_helpers import (
    make_settings,
    processes_with_marker,
    start_worker,
    stop_process_group,
    submit_music,
    wait_for,
    wait_terminal,
)

from songsmith.domain.statuses import ClipStatus, TaskStatus
from songsmith.queue.sql import SqlQueue
from songsmith.store.sql import SqlStore

BEHIND = 5  # the soak script runs 20


def test_r2_poison_job_fails_after_exactly_three_attempts(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    store = SqlStore(settings.resolved_database_url)
    queue = SqlQueue(settings.resolved_database_url)
    poison = submit_music(store, queue, n_clips=1, tags="testing:crash")
    behind = [submit_music(store, queue, n_clips=1, seed=100 + i) for i in range(BEHIND)]
    worker = start_worker(settings)
    try:
        tasks = wait_terminal(store, [poison, *behind], 150)
        assert tasks[0].status is TaskStatus.FAILURE
        assert "3 attempts" in tasks[0].fail_reason
        (job,) = queue.jobs_for_task(poison)
        assert job["state"] == "dead" and job["attempts"] == 3 and job["token"] == 3
        (clip,) = store.get_clips(poison)
        assert clip.status is ClipStatus.ERROR and clip.metadata["error_message"]
        assert [t.status for t in tasks[1:]] == [TaskStatus.SUCCESS] * BEHIND
    finally:
        stop_process_group(worker)
        store.close()
        queue.close()


def test_r3_hung_job_with_child_times_out_and_leaves_no_process(
    tmp_path: Path, monkeypatch: object
) -> None:
    timeout_s = 3.0
    settings = make_settings(tmp_path, job_timeout_s=timeout_s)
    store = SqlStore(settings.resolved_database_url)
    queue = SqlQueue(settings.resolved_database_url)
    marker = "SONGSMITH_R3_" + secrets.token_hex(6)
    os.environ[marker] = "1"  # inherited by the worker, its job process and the job's child
    try:
        task_id = submit_music(store, queue, n_clips=1, tags="testing:hang")
        worker = start_worker(settings)
        try:
            assert wait_for(lambda: queue.running() == 1, 60)
            claimed = time.monotonic()
            # the hung job has a child of its own by now
            assert wait_for(lambda: len(processes_with_marker(marker)) >= 3, 30)
            (task,) = wait_terminal(store, [task_id], timeout_s + 10 + 5)
            elapsed = time.monotonic() - claimed
            assert task.status is TaskStatus.FAILURE, task
            assert elapsed <= timeout_s + 10
            (clip,) = store.get_clips(task_id)
            assert clip.metadata["error_type"] == "timeout"
            assert "limit" in task.fail_reason
            (job,) = queue.jobs_for_task(task_id)
            assert job["state"] == "dead" and job["attempts"] == 1
            # the hung job's process group is gone; the worker has started a fresh job process
            assert wait_for(lambda: len(processes_with_marker(marker)) == 2, 10)
        finally:
            stop_process_group(worker, signal.SIGTERM)
        assert processes_with_marker(marker) == []
    finally:
        del os.environ[marker]
        store.close()
        queue.close()
